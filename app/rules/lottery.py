"""The lottery (κλήρωση) of the B2 expression of interest: algorithm ``KSE-LOTTERY-v1``.

Rules: K-7 (a final submission gets a random number used by the lottery) and K-9 (the
lottery allocates the Annex A programmes among final applications, honouring each
centre's cluster order, per prefecture (ΙΙa) or region (ΙΙb)). The algorithm and the
bundle format are specified in ``shared/lottery.md``; outsiders re-run it with the
standalone ``verify_lottery.py``, so this module follows that text to the letter.

Standard library only, no I/O, no side effects: :func:`run` either returns the whole
bundle or raises :class:`LotteryError` before anything is produced, so the caller can
store the result in one transaction (lottery.md, "Atomicity").

Decisions where lottery.md leaves room (kept identical in ``verify_lottery.py``):

* Canonical order of the bundle's input lists, so the same inputs in any order give
  byte-identical bundles: ``applications`` sorted by centre code, ``capacity`` sorted by
  (cluster, category, area); both by Python string order (Unicode code points).
* A centre may receive the same cluster again in a later round (e.g. a second ΙΙa
  programme, or the ΙΙb one after the ΙΙa one): step 4 picks "its highest-ranked cluster
  that still has a programme left" without excluding clusters it already holds, and
  only this reading satisfies the non-wastefulness invariant.
* ``submitted_at`` must be ISO 8601 UTC, ``YYYY-MM-DDTHH:MM:SS[.ffffff]`` followed by
  ``Z`` or ``+00:00``; it is published, never used by the draw.
* A prefecture code must belong to one region across all applications.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any
from collections.abc import Iterable, Iterator

ALGORITHM = "KSE-LOTTERY-v1"
CATEGORIES = ("IIa", "IIb")  # Latin letters; ΙΙa = own prefecture, ΙΙb = own region

_encode_str = json.encoder.encode_basestring  # the C implementation where available (ensure_ascii=False)
_SECRET_RE = re.compile(r"[0-9a-f]{64}")
_UTC_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|\+00:00)")


class LotteryError(ValueError):
    """Inputs the lottery refuses to run on; nothing has been produced."""


@dataclass(frozen=True)
class Application:
    """A final application (K-7): the centre, where it is, its ranked clusters."""

    centre: str
    prefecture: str
    region: str
    clusters: tuple[str, ...]  # most preferred first
    submitted_at: str  # ISO 8601 UTC


@dataclass(frozen=True)
class Capacity:
    """One Annex A cell (K-4): programmes of a cluster in a prefecture (IIa) or region (IIb)."""

    cluster: str
    category: str  # exactly "IIa" or "IIb"
    area: str  # prefecture code for IIa, region code for IIb
    programmes: int


def new_secret() -> str:
    """A fresh 32-byte secret as 64 lowercase hex chars (lottery.md step 1)."""
    return secrets.token_bytes(32).hex()


def commitment(secret_hex: str) -> str:
    """SHA-256 of the secret BYTES (not of its hex text), published when the call opens."""
    return hashlib.sha256(_secret_bytes(secret_hex)).hexdigest()


def ticket(secret_hex: str, call_code: str, centre_code: str) -> tuple[str, str]:
    """(ticket hex, 12-digit number) of a centre in a call (lottery.md step 2, K-7).

    Depends only on the secret, the call and the centre, so re-saving, withdrawing a draft
    or other centres joining or leaving never changes it.
    """
    _check_code("call code", call_code)
    _check_code("centre code", centre_code)
    message = f"{ALGORITHM}|{call_code}|{centre_code}".encode()
    ticket_hex = hmac.new(_secret_bytes(secret_hex), message, hashlib.sha256).hexdigest()
    return ticket_hex, f"{int(ticket_hex, 16) % 10**12:012d}"


def _tickets(secret_hex: str, call_code: str, apps: list[Application]) -> list[tuple[str, str]]:
    """ticket() of every (already checked) application, with the key and the message
    prefix prepared once: 100,000 tickets in a fraction of a second."""
    key = _secret_bytes(secret_hex)
    prefix = f"{ALGORITHM}|{call_code}|".encode()
    out = []
    for a in apps:
        ticket_hex = hmac.digest(key, prefix + a.centre.encode("utf-8"), "sha256").hex()
        out.append((ticket_hex, f"{int(ticket_hex, 16) % 10**12:012d}"))
    return out


def run(
    call_code: str,
    secret_hex: str,
    applications: Iterable[Application],
    capacity: Iterable[Capacity],
    max_programmes_per_centre: int,
) -> dict[str, Any]:
    """Run the lottery (K-9, lottery.md step 4) and return the complete bundle (step 5)."""
    _check_code("call code", call_code)
    _secret_bytes(secret_hex)
    cap = max_programmes_per_centre
    if type(cap) is not int or cap < 1:  # bool is an int subclass: refuse it too
        raise LotteryError(f"max_programmes_per_centre must be an integer >= 1, got {cap!r}")
    apps = _checked_applications(applications)
    cells = _checked_capacity(capacity)

    # Draw order: ticket hex ascending; equal tickets (never seen in practice) by centre code.
    drawn = sorted(zip(_tickets(secret_hex, call_code, apps), apps, strict=True), key=lambda item: (item[0][0], item[1].centre))
    allocation, exhausted = _allocate([a for _, a in drawn], cells, cap)
    return {
        "algorithm": ALGORITHM,
        "call": call_code,
        "commitment": commitment(secret_hex),
        "secret": secret_hex,
        "max_programmes_per_centre": cap,
        "applications": [
            {
                "centre": a.centre,
                "prefecture": a.prefecture,
                "region": a.region,
                "clusters": list(a.clusters),
                "submitted_at": a.submitted_at,
            }
            for a in apps
        ],
        "capacity": [
            {"cluster": c.cluster, "category": c.category, "area": c.area, "programmes": c.programmes}
            for c in cells
        ],
        "tickets": [
            {"centre": a.centre, "ticket": t_hex, "number": number, "position": position}
            for position, ((t_hex, number), a) in enumerate(drawn, start=1)
        ],
        "allocation": allocation,
        "exhausted": exhausted,
    }


def serialise(bundle: dict[str, Any]) -> bytes:
    """The canonical bytes of a bundle; its SHA-256 is published beside it."""
    return (json.dumps(bundle, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def _flat_items(items: list[Any]) -> list[str] | None:
    """The layout of list items at depth 2 (as json.dumps(indent=1, sort_keys=True) lays
    them out) for a batch of flat dicts with one key set, whose every field holds only
    strings, only ints, or only lists of strings - every list of a bundle. Column by
    column with map() over the C string encoder and one format per item (issue #13:
    the per-item Python loop was a third of the 100,000-application lottery); None when
    the batch is not of that shape (the caller lays items out one by one)."""
    first = items[0]
    if set(map(type, items)) != {dict} or not first or set(map(type, first)) != {str}:
        return None
    keys = sorted(first)
    if set(map(frozenset, items)) != {frozenset(keys)}:
        return None
    columns: list[Iterable[str]] = []
    for key in keys:
        column = list(map(itemgetter(key), items))
        kinds = set(map(type, column))
        if kinds == {str}:
            columns.append(map(_encode_str, column))
        elif kinds == {int}:  # not bool: type(True) is bool
            columns.append(map(int.__repr__, column))
        elif kinds == {list} and set(map(type, chain.from_iterable(column))) <= {str}:
            columns.append(("[\n    " + ",\n    ".join(map(_encode_str, v)) + "\n   ]") if v else "[]" for v in column)
        else:
            return None
    layout = "{\n   " + ",\n   ".join(_encode_str(k).replace("%", "%%") + ": %s" for k in keys) + "\n  }"
    return list(map(layout.__mod__, zip(*columns, strict=True)))


def iter_serialise(bundle: dict[str, Any], chunk_chars: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of :func:`serialise`, in pieces of about `chunk_chars` characters, so a
    100,000-application bundle is written as it is produced and never held whole.

    Same layout as json.dumps(sort_keys=True, indent=1, ensure_ascii=False): with an
    indent, json only adds "\n" plus one space per level, and never a raw newline
    inside a string, so each list item dumped alone and shifted by its level is exactly
    its part of the whole."""
    dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, indent=1).encode

    def item(value: Any) -> str:
        """One list item at depth 2. json's indented encoder is pure Python (slow for
        400,000 items); flat dicts of strings, ints and lists of them - every item of a
        bundle - are laid out here the same way from the C string encoder."""
        if type(value) is dict and value and all(type(k) is str for k in value):
            fields = []
            for key in sorted(value):
                v = value[key]
                if type(v) is str:
                    text = _encode_str(v)
                elif type(v) is int:
                    text = int.__repr__(v)
                elif type(v) is list and all(type(x) is str for x in v):
                    text = ("[\n    " + ",\n    ".join(map(_encode_str, v)) + "\n   ]") if v else "[]"
                else:
                    break
                fields.append(_encode_str(key) + ": " + text)
            else:
                return "{\n   " + ",\n   ".join(fields) + "\n  }"
        return dumps(value).replace("\n", "\n  ")
    buffer: list[str] = []
    size = 0

    def pieces() -> Iterator[str]:
        yield "{"
        for i, key in enumerate(sorted(bundle)):
            yield ("\n " if i == 0 else ",\n ") + dumps(key) + ": "
            value = bundle[key]
            if isinstance(value, list) and value:
                for start in range(0, len(value), 10_000):  # a batch at a time: never the whole list laid out
                    batch = value[start:start + 10_000]
                    texts = _flat_items(batch) or list(map(item, batch))
                    yield ("[\n  " if start == 0 else ",\n  ") + ",\n  ".join(texts)
                yield "\n ]"
            else:
                yield dumps(value).replace("\n", "\n ")
        yield "\n}\n" if bundle else "}\n"

    for piece in pieces():
        buffer.append(piece)
        size += len(piece)
        if size >= chunk_chars:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def bundle_sha256(data: bytes) -> str:
    """SHA-256 hex of the serialised bundle."""
    return hashlib.sha256(data).hexdigest()


def _allocate(
    draw: list[Application], cells: list[Capacity], cap: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rounds of one programme per centre per turn, in draw order (lottery.md step 4).

    Per prefecture, the set of clusters that still have a programme left in either of its
    areas (IIa in the prefecture, IIb in its region) is kept up to date as cells run out,
    so a turn is one C-level scan of the centre's ranking against that set (issue #13: two
    dict look-ups per ranked cluster per turn were a quarter of a 100,000-application run)."""
    left = {(c.cluster, c.category, c.area): c.programmes for c in cells}
    cluster_codes = sorted({c.cluster for c in cells})
    alive: dict[str, set[str]] = {}  # prefecture -> clusters with a programme left in its areas
    prefectures_in: dict[str, list[str]] = {}  # region -> prefectures seen so far
    held = dict.fromkeys([a.centre for a in draw], 0)
    in_play = list(enumerate(draw, start=1))  # (draw position, application)
    allocation: list[dict[str, Any]] = []
    exhausted: list[dict[str, Any]] = []
    round_no = 0
    # "Rounds end when a round allocates nothing": a centre that gets nothing leaves, so a
    # round allocating nothing empties in_play, and an empty in_play can allocate nothing.
    while in_play:
        round_no += 1
        staying: list[tuple[int, Application]] = []
        for position, app in in_play:
            prefecture, region, clusters = app.prefecture, app.region, app.clusters
            live = alive.get(prefecture)
            if live is None:
                live = alive[prefecture] = {c for c in cluster_codes if left.get((c, "IIa", prefecture), 0) > 0
                                            or left.get((c, "IIb", region), 0) > 0}
                prefectures_in.setdefault(region, []).append(prefecture)
            # "Exhausted" at this turn = a ranked cluster with no programme left in EITHER
            # of the centre's areas, counted before the centre's pick. The pick is the first
            # ranked cluster with any programme left, clusters already received included
            # (they stay eligible), so the clusters ranked above the pick - or all, if none
            # was picked - are exactly the exhausted ones.
            cluster = next(filter(live.__contains__, clusters), None) if live else None
            if cluster is None:
                if clusters:
                    exhausted.append({"round": round_no, "centre": app.centre, "clusters": list(clusters)})
                continue  # received nothing: takes no further turns
            if clusters[0] != cluster:
                exhausted.append({"round": round_no, "centre": app.centre,
                                  "clusters": list(clusters[:clusters.index(cluster)])})
            got = (cluster, "IIa", prefecture)  # within one cluster, IIa before IIb
            if left.get(got, 0) <= 0:
                got = (cluster, "IIb", region)
            remaining = left[got] = left[got] - 1
            if remaining == 0:  # the cell ran out: who lost this cluster in both areas?
                if got[1] == "IIa":
                    if left.get((cluster, "IIb", region), 0) <= 0:
                        live.discard(cluster)
                else:
                    for other in prefectures_in[region]:
                        if left.get((cluster, "IIa", other), 0) <= 0:
                            alive[other].discard(cluster)
            allocation.append({"round": round_no, "position": position, "centre": app.centre,
                               "cluster": cluster, "category": got[1], "area": got[2]})
            count = held[app.centre] = held[app.centre] + 1
            if count < cap:
                staying.append((position, app))
        in_play = staying
    return allocation, exhausted


def _secret_bytes(secret_hex: str) -> bytes:
    # Lowercase only: the hex text is published, so one secret must have one spelling.
    if not isinstance(secret_hex, str) or not _SECRET_RE.fullmatch(secret_hex):
        raise LotteryError("the secret must be exactly 64 lowercase hex characters (32 bytes)")
    return bytes.fromhex(secret_hex)


def _check_code(what: str, value: object) -> None:
    # Surrounding blanks would make "P1" and "P1 " two different areas without anyone seeing it.
    if not isinstance(value, str) or not value or value != value.strip():
        raise LotteryError(f"{what} must be a non-empty string without surrounding blanks, got {value!r}")


def _checked_applications(applications: Iterable[Application]) -> list[Application]:
    """The applications in centre-code order, or LotteryError naming the first problem."""
    given = list(applications)
    checked = _checked_in_bulk(given)
    return checked if checked is not None else _checked_one_by_one(given)


def _checked_in_bulk(apps: list[Application]) -> list[Application] | None:
    """The checks of _checked_one_by_one column by column, each distinct code and time once,
    with C-level map/set over 100,000 applications (issue #13: the per-application loop
    was a second of the run); None when anything is wrong, and the one-by-one check then
    names the first problem exactly as before."""
    if set(map(type, apps)) - {Application}:
        return None
    centres = list(map(attrgetter("centre"), apps))
    prefectures = list(map(attrgetter("prefecture"), apps))
    regions = list(map(attrgetter("region"), apps))
    rankings = list(map(attrgetter("clusters"), apps))
    times = list(map(attrgetter("submitted_at"), apps))
    if len(set(centres)) != len(centres) or set(map(type, rankings)) - {tuple}:
        return None
    codes = set(centres).union(prefectures, regions, chain.from_iterable(rankings))
    if set(map(type, codes)) - {str} or not all(code and code == code.strip() for code in codes):
        return None
    if len(set(zip(prefectures, regions, strict=True))) != len(set(prefectures)):  # a prefecture in two regions
        return None
    if list(map(len, map(set, rankings))) != list(map(len, rankings)):  # a cluster ranked twice
        return None
    distinct_times = set(times)
    if set(map(type, distinct_times)) - {str} or not all(map(_is_utc_timestamp, distinct_times)):
        return None
    return sorted(apps, key=attrgetter("centre"))


def _checked_one_by_one(applications: list[Application]) -> list[Application]:
    apps: list[Application] = []
    centres: set[str] = set()
    region_of: dict[str, tuple[str, str]] = {}  # prefecture -> (region, first centre seen)
    valid: set[str] = set()  # codes already checked: 100,000 applications share 13 clusters

    def check(what: str, value: object) -> None:
        if type(value) is str and value in valid:
            return
        _check_code(what, value)
        valid.add(str(value))  # _check_code refused anything but a str

    for a in applications:
        if not isinstance(a, Application):
            raise LotteryError(f"applications must be Application objects, got {a!r}")
        _check_code("centre code", a.centre)
        where = f"application of centre {a.centre}"
        if a.centre in centres:
            raise LotteryError(f"duplicate centre {a.centre}: only one final application per centre (K-7)")
        centres.add(a.centre)
        check(f"{where}: prefecture", a.prefecture)
        check(f"{where}: region", a.region)
        seen_region = region_of.setdefault(a.prefecture, (a.region, a.centre))
        if seen_region[0] != a.region:
            raise LotteryError(
                f"prefecture {a.prefecture} is in region {seen_region[0]} for centre {seen_region[1]}"
                f" but in region {a.region} for centre {a.centre}"
            )
        if not isinstance(a.clusters, (tuple, list)):
            raise LotteryError(f"{where}: clusters must be a tuple of cluster codes")
        for cluster in a.clusters:
            check(f"{where}: cluster", cluster)
        if len(set(a.clusters)) != len(a.clusters):
            raise LotteryError(f"{where}: a cluster is ranked twice")
        if not isinstance(a.submitted_at, str) or not _is_utc_timestamp(a.submitted_at):
            raise LotteryError(
                f"{where}: submitted_at must be ISO 8601 UTC like 2024-05-01T10:00:00Z, got {a.submitted_at!r}"
            )
        apps.append(a if type(a.clusters) is tuple else Application(a.centre, a.prefecture, a.region,
                                                                    tuple(a.clusters), a.submitted_at))
    return sorted(apps, key=lambda a: a.centre)


def _checked_capacity(capacity: Iterable[Capacity]) -> list[Capacity]:
    cells: list[Capacity] = []
    keys: set[tuple[str, str, str]] = set()
    for c in capacity:
        if not isinstance(c, Capacity):
            raise LotteryError(f"capacity must be Capacity objects, got {c!r}")
        _check_code("capacity: cluster", c.cluster)
        _check_code("capacity: area", c.area)
        if c.category not in CATEGORIES:
            raise LotteryError(f"capacity {c.cluster}/{c.area}: unknown category {c.category!r}, expected IIa or IIb")
        if type(c.programmes) is not int or c.programmes < 0:
            raise LotteryError(
                f"capacity {c.cluster}/{c.category}/{c.area}: programmes must be a non-negative integer,"
                f" got {c.programmes!r}"
            )
        key = (c.cluster, c.category, c.area)
        if key in keys:
            raise LotteryError(f"duplicate capacity cell {c.cluster}/{c.category}/{c.area}")
        keys.add(key)
        cells.append(c)
    return sorted(cells, key=lambda c: (c.cluster, c.category, c.area))


def _is_utc_timestamp(value: str) -> bool:
    if not _UTC_RE.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))  # rejects 2024-02-30 and 25:00
    except ValueError:
        return False
    return True
