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
from typing import Any
from collections.abc import Iterable

ALGORITHM = "KSE-LOTTERY-v1"
CATEGORIES = ("IIa", "IIb")  # Latin letters; ΙΙa = own prefecture, ΙΙb = own region

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
    drawn = sorted(
        ((ticket(secret_hex, call_code, a.centre), a) for a in apps),
        key=lambda item: (item[0][0], item[1].centre),
    )
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


def bundle_sha256(data: bytes) -> str:
    """SHA-256 hex of the serialised bundle."""
    return hashlib.sha256(data).hexdigest()


def _allocate(
    draw: list[Application], cells: list[Capacity], cap: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rounds of one programme per centre per turn, in draw order (lottery.md step 4)."""
    left = {(c.cluster, c.category, c.area): c.programmes for c in cells}
    held = {a.centre: 0 for a in draw}
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
            got: tuple[str, str, str] | None = None
            # "Exhausted" at this turn = a ranked cluster with no programme left in EITHER
            # of the centre's areas (IIa in its prefecture, IIb in its region), counted
            # before the centre's pick. The pick is the first ranked cluster with any
            # programme left, clusters already received included (they stay eligible),
            # so the clusters ranked above the pick - or all, if none was picked - are
            # exactly the exhausted ones: none ranked above can still have programmes.
            passed: list[str] = []
            for cluster in app.clusters:
                for category, area in (("IIa", app.prefecture), ("IIb", app.region)):
                    if left.get((cluster, category, area), 0) > 0:
                        got = (cluster, category, area)
                        break
                if got is not None:
                    break
                passed.append(cluster)
            if passed:
                exhausted.append({"round": round_no, "centre": app.centre, "clusters": passed})
            if got is None:
                continue  # received nothing: takes no further turns
            left[got] -= 1
            held[app.centre] += 1
            allocation.append(
                {
                    "round": round_no,
                    "position": position,
                    "centre": app.centre,
                    "cluster": got[0],
                    "category": got[1],
                    "area": got[2],
                }
            )
            if held[app.centre] < cap:
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
    apps: list[Application] = []
    centres: set[str] = set()
    region_of: dict[str, tuple[str, str]] = {}  # prefecture -> (region, first centre seen)
    for a in applications:
        if not isinstance(a, Application):
            raise LotteryError(f"applications must be Application objects, got {a!r}")
        _check_code("centre code", a.centre)
        where = f"application of centre {a.centre}"
        if a.centre in centres:
            raise LotteryError(f"duplicate centre {a.centre}: only one final application per centre (K-7)")
        centres.add(a.centre)
        _check_code(f"{where}: prefecture", a.prefecture)
        _check_code(f"{where}: region", a.region)
        seen_region = region_of.setdefault(a.prefecture, (a.region, a.centre))
        if seen_region[0] != a.region:
            raise LotteryError(
                f"prefecture {a.prefecture} is in region {seen_region[0]} for centre {seen_region[1]}"
                f" but in region {a.region} for centre {a.centre}"
            )
        if not isinstance(a.clusters, (tuple, list)):
            raise LotteryError(f"{where}: clusters must be a tuple of cluster codes")
        for cluster in a.clusters:
            _check_code(f"{where}: cluster", cluster)
        if len(set(a.clusters)) != len(a.clusters):
            raise LotteryError(f"{where}: a cluster is ranked twice")
        if not isinstance(a.submitted_at, str) or not _is_utc_timestamp(a.submitted_at):
            raise LotteryError(
                f"{where}: submitted_at must be ISO 8601 UTC like 2024-05-01T10:00:00Z, got {a.submitted_at!r}"
            )
        apps.append(Application(a.centre, a.prefecture, a.region, tuple(a.clusters), a.submitted_at))
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
