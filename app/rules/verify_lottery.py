#!/usr/bin/env python3
"""Check a published KSE-LOTTERY-v1 lottery bundle (κλήρωση, rules K-7 and K-9).

Usage:
    python3 verify_lottery.py BUNDLE.json [PUBLISHED_SHA256]
    python3 verify_lottery.py - [PUBLISHED_SHA256]      (reads the bundle from stdin)

Needs only Python 3.8 or newer, no other package. From the bundle alone it checks:
  * the algorithm is KSE-LOTTERY-v1;
  * SHA-256 of the revealed secret equals the commitment published when the call opened;
  * every ticket (HMAC-SHA256 of "KSE-LOTTERY-v1|<call>|<centre>" keyed by the secret),
    every 12-digit number, the draw order and the positions;
  * the whole allocation and the "exhausted" list, recomputed from the applications,
    the Annex A capacity and max_programmes_per_centre;
  * that the file is byte for byte the canonical serialisation (sorted keys, indent 1,
    UTF-8, one final newline), so any changed byte, whitespace included, is caught.

A changed input that alters no ticket and no allocation (say, a submission time) cannot
be detected from the file alone: give the SHA-256 published beside the bundle as the
second argument, or compare it with the hash printed after OK.

Prints "OK <sha256 of the file>" and exits 0, or prints the first difference found
(for example "DIFFERENCE: allocation[3]: expected {...}, found {...}") and exits 1.
A file that is not UTF-8 JSON also exits 1; wrong arguments exit 2.

This file is deliberately independent of the program that produced the bundle: it
re-implements the algorithm from its published description (lottery.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

ALGORITHM = "KSE-LOTTERY-v1"
TOP_KEYS = (
    "algorithm", "call", "commitment", "secret", "max_programmes_per_centre",
    "applications", "capacity", "tickets", "allocation", "exhausted",
)
APPLICATION_KEYS = ("centre", "prefecture", "region", "clusters", "submitted_at")
CAPACITY_KEYS = ("cluster", "category", "area", "programmes")
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
UTC_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?(?:Z|\+00:00)\Z"
)


class Difference(Exception):
    """The first thing in the bundle that is not what it should be."""


def canonical_bytes(bundle: Any) -> bytes:
    return (json.dumps(bundle, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# ---------------------------------------------------------------- reading the file

def parse(data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Difference("ERROR: the file is not UTF-8 text ({})".format(exc)) from None

    def no_duplicate_keys(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
        obj: Dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                raise ValueError("the key {!r} appears twice in one object".format(key))
            obj[key] = value
        return obj

    def no_float(token: str) -> Any:
        raise ValueError("the number {} is not an integer; the bundle has no floats".format(token))

    try:
        return json.loads(
            text, object_pairs_hook=no_duplicate_keys, parse_float=no_float, parse_constant=no_float
        )
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise Difference("ERROR: the file is not a valid bundle JSON ({})".format(exc)) from None


def need(condition: bool, sentence: str) -> None:
    if not condition:
        raise Difference("DIFFERENCE: " + sentence)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_code(value: Any) -> bool:
    return isinstance(value, str) and value != "" and value == value.strip()


def is_utc_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    match = UTC_TIME.match(value)
    if match is None:
        return False
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
        datetime(year, month, day, hour, minute, second, tzinfo=timezone(timedelta(0)))
    except ValueError:
        return False
    return True


def check_object(obj: Any, keys: Tuple[str, ...], where: str) -> None:
    need(isinstance(obj, dict), "{} should be a JSON object, found {}".format(where, show(obj)))
    for key in keys:
        need(key in obj, "{} lacks the key {!r}".format(where, key))
    for key in obj:
        need(key in keys, "{} has an unexpected key {!r}".format(where, key))


def check_inputs(bundle: Any) -> None:
    check_object(bundle, TOP_KEYS, "the bundle")
    need(bundle["algorithm"] == ALGORITHM,
         "algorithm: expected {}, found {}".format(show(ALGORITHM), show(bundle["algorithm"])))
    need(is_code(bundle["call"]), "call: expected a call code, found {}".format(show(bundle["call"])))
    need(isinstance(bundle["secret"], str) and HEX64.match(bundle["secret"]) is not None,
         "secret: expected 64 lowercase hex characters, found {}".format(show(bundle["secret"])))
    cap = bundle["max_programmes_per_centre"]
    need(is_int(cap) and cap >= 1,
         "max_programmes_per_centre: expected an integer of at least 1, found {}".format(show(cap)))

    apps = bundle["applications"]
    need(isinstance(apps, list), "applications: expected a list")
    region_of: Dict[str, str] = {}
    for i, app in enumerate(apps):
        where = "applications[{}]".format(i)
        check_object(app, APPLICATION_KEYS, where)
        for key in ("centre", "prefecture", "region"):
            need(is_code(app[key]), "{}.{}: expected a code, found {}".format(where, key, show(app[key])))
        clusters = app["clusters"]
        need(isinstance(clusters, list) and all(is_code(c) for c in clusters),
             "{}.clusters: expected a list of cluster codes, found {}".format(where, show(clusters)))
        need(len(set(clusters)) == len(clusters), "{}.clusters: a cluster is ranked twice".format(where))
        need(is_utc_time(app["submitted_at"]),
             "{}.submitted_at: expected an ISO 8601 UTC time, found {}".format(where, show(app["submitted_at"])))
        if i > 0:
            need(apps[i - 1]["centre"] < app["centre"],
                 "{}: applications must be sorted by centre code without repeats, but {} follows {}".format(
                     where, show(app["centre"]), show(apps[i - 1]["centre"])))
        known = region_of.setdefault(app["prefecture"], app["region"])
        need(known == app["region"], "{}: prefecture {} is in region {} elsewhere, here in {}".format(
            where, show(app["prefecture"]), show(known), show(app["region"])))

    cells = bundle["capacity"]
    need(isinstance(cells, list), "capacity: expected a list")
    for i, cell in enumerate(cells):
        where = "capacity[{}]".format(i)
        check_object(cell, CAPACITY_KEYS, where)
        for key in ("cluster", "area"):
            need(is_code(cell[key]), "{}.{}: expected a code, found {}".format(where, key, show(cell[key])))
        need(cell["category"] in ("IIa", "IIb"),
             "{}.category: expected \"IIa\" or \"IIb\", found {}".format(where, show(cell["category"])))
        need(is_int(cell["programmes"]) and cell["programmes"] >= 0,
             "{}.programmes: expected a non-negative integer, found {}".format(where, show(cell["programmes"])))
        if i > 0:
            before = cells[i - 1]
            need((before["cluster"], before["category"], before["area"])
                 < (cell["cluster"], cell["category"], cell["area"]),
                 "{}: capacity must be sorted by (cluster, category, area) without repeats".format(where))

    for key in ("tickets", "allocation", "exhausted"):
        need(isinstance(bundle[key], list), "{}: expected a list".format(key))


# ---------------------------------------------------------------- recomputing

def draw(call: str, secret: str, apps: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    key = bytes.fromhex(secret)
    rows = []
    for app in apps:
        message = "{}|{}|{}".format(ALGORITHM, call, app["centre"]).encode("utf-8")
        digest = hmac.new(key, message, hashlib.sha256).hexdigest()
        rows.append({"centre": app["centre"], "ticket": digest,
                     "number": "%012d" % (int(digest, 16) % 1000000000000)})
    rows.sort(key=lambda row: (row["ticket"], row["centre"]))
    for number, row in enumerate(rows):
        row["position"] = number + 1
    return rows


def allocate(order: List[Dict[str, Any]], cells: List[Dict[str, Any]],
             cap: int) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """lottery.md step 4, written out plainly."""
    stock: Dict[str, Dict[str, Dict[str, int]]] = {}  # cluster -> category -> area -> programmes left
    for cell in cells:
        stock.setdefault(cell["cluster"], {"IIa": {}, "IIb": {}})[cell["category"]][cell["area"]] = cell["programmes"]

    def left(cluster: str, category: str, area: str) -> int:
        return stock.get(cluster, {}).get(category, {}).get(area, 0)

    allocation: List[Dict[str, Any]] = []
    exhausted: List[Dict[str, Any]] = []
    holds = {app["centre"]: 0 for app in order}
    gone = set()  # centres that take no further turns
    round_number = 0
    while True:
        round_number += 1
        given = 0
        for position, app in enumerate(order, 1):
            centre = app["centre"]
            if centre in gone:
                continue
            home = (("IIa", app["prefecture"]), ("IIb", app["region"]))
            choice = None
            rank = 0
            for rank, cluster in enumerate(app["clusters"]):  # noqa: B007 - read after the loop
                for category, area in home:
                    if left(cluster, category, area) > 0:
                        choice = (cluster, category, area)
                        break
                if choice is not None:
                    break
            above = app["clusters"] if choice is None else app["clusters"][:rank]
            none_left = [c for c in above if all(left(c, cat, area) == 0 for cat, area in home)]
            if none_left:
                exhausted.append({"round": round_number, "centre": centre, "clusters": none_left})
            if choice is None:
                gone.add(centre)
                continue
            cluster, category, area = choice
            stock[cluster][category][area] -= 1
            holds[centre] += 1
            given += 1
            allocation.append({"round": round_number, "position": position, "centre": centre,
                               "cluster": cluster, "category": category, "area": area})
            if holds[centre] >= cap:
                gone.add(centre)
        if given == 0:
            return allocation, exhausted


def compare_lists(name: str, expected: List[Any], found: List[Any]) -> None:
    for i, (want, got) in enumerate(zip(expected, found)):
        # Compared as canonical JSON text so that true is not taken for 1.
        need(show(want) == show(got), "{}[{}]: expected {}, found {}".format(name, i, show(want), show(got)))
    if len(found) > len(expected):
        need(False, "{}[{}]: expected no entry, found {}".format(name, len(expected), show(found[len(expected)])))
    if len(found) < len(expected):
        need(False, "{}[{}]: expected {}, found no entry".format(name, len(found), show(expected[len(found)])))


def first_byte_difference(expected: bytes, found: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(expected, found)) if a != b), min(len(expected), len(found)))
    line = found.count(b"\n", 0, at) + 1
    return ("the file is not in canonical form (sorted keys, indent 1, UTF-8, final newline):"
            " at byte {} (line {}) expected {!r}, found {!r}".format(
                at, line, expected[at:at + 20], found[at:at + 20]))


def verify(data: bytes, published_sha256: Optional[str] = None) -> Tuple[bool, str]:
    """(True, "OK <sha256>") or (False, the first difference as a sentence)."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        bundle = parse(data)
        check_inputs(bundle)
        expected_commitment = hashlib.sha256(bytes.fromhex(bundle["secret"])).hexdigest()
        need(bundle["commitment"] == expected_commitment,
             "commitment: SHA-256 of the secret is {}, but the commitment is {}".format(
                 show(expected_commitment), show(bundle["commitment"])))
        tickets = draw(bundle["call"], bundle["secret"], bundle["applications"])
        compare_lists("tickets", tickets, bundle["tickets"])
        by_centre = {app["centre"]: app for app in bundle["applications"]}
        order = [by_centre[row["centre"]] for row in tickets]
        allocation, exhausted = allocate(order, bundle["capacity"], bundle["max_programmes_per_centre"])
        compare_lists("allocation", allocation, bundle["allocation"])
        compare_lists("exhausted", exhausted, bundle["exhausted"])
        expected = dict(bundle, tickets=tickets, allocation=allocation, exhausted=exhausted,
                        commitment=expected_commitment)
        wanted = canonical_bytes(expected)
        need(wanted == data, first_byte_difference(wanted, data))
        if published_sha256 is not None:
            need(published_sha256.strip().lower() == digest,
                 "the SHA-256 of the file is {}, but the published value is {}".format(digest, published_sha256))
    except Difference as difference:
        return False, str(difference)
    return True, "OK " + digest


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if len(args) not in (1, 2):
        sys.stderr.write("usage: python3 verify_lottery.py BUNDLE.json|- [PUBLISHED_SHA256]\n")
        return 2
    try:
        if args[0] == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args[0], "rb") as handle:
                data = handle.read()
    except OSError as exc:
        print("ERROR: cannot read {}: {}".format(args[0], exc.strerror or exc))
        return 1
    ok, message = verify(data, args[1] if len(args) == 2 else None)
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
