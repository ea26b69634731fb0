"""Tests of the lottery KSE-LOTTERY-v1 (rules K-7, K-9; shared/lottery.md) and its verifier.

Each test names the invariant of lottery.md or the rule it proves.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

RULES = Path(__file__).resolve().parents[2] / "app" / "rules"


def _load(name: str, filename: str) -> ModuleType:
    # Loaded by path so these tests never import the Flask app through app/__init__.py:
    # both files must work with the standard library alone.
    spec = importlib.util.spec_from_file_location(name, RULES / filename)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


lottery = _load("kse_rules_lottery", "lottery.py")
verifier = _load("kse_rules_verify_lottery", "verify_lottery.py")
Application, Capacity, LotteryError = lottery.Application, lottery.Capacity, lottery.LotteryError

SECRET = bytes(range(32)).hex()  # 000102...1f
CALL = "Π-2024-Β2"  # Greek letters on purpose: the message and the bundle are UTF-8
TIME = "2024-05-01T10:00:00Z"
CLUSTERS = [f"Β2.{i}" for i in range(1, 14)]  # Greek capital Beta, as in the call
BUNDLE_KEYS = ("algorithm", "call", "commitment", "secret", "max_programmes_per_centre",
               "applications", "capacity", "tickets", "allocation", "exhausted")
REGION_OF = {"P1": "R1", "P2": "R1", "P3": "R2", "P4": "R2", "P5": "R3"}


def hmac_ticket(secret_hex: str, call: str, centre: str) -> str:
    """lottery.md step 2 written out again with hmac, for known-answer checks."""
    message = f"KSE-LOTTERY-v1|{call}|{centre}".encode()
    return hmac.new(bytes.fromhex(secret_hex), message, hashlib.sha256).hexdigest()


def random_instance(rng: random.Random) -> tuple[str, list[Any], list[Any], int]:
    """A random call: up to 14 centres in 5 prefectures / 3 regions, sparse Annex A."""
    apps = []
    for i in range(rng.randint(0, 14)):
        prefecture = rng.choice(sorted(REGION_OF))
        ranked = tuple(rng.sample(CLUSTERS[:6], rng.randint(0, 6)))
        minute = rng.randint(0, 59)
        apps.append(Application(f"K{i:03d}", prefecture, REGION_OF[prefecture], ranked,
                                f"2024-05-01T10:{minute:02d}:00Z"))
    cells = []
    for cluster in CLUSTERS[:6]:
        for prefecture in sorted(REGION_OF):
            if rng.random() < 0.4:
                cells.append(Capacity(cluster, "IIa", prefecture, rng.randint(0, 3)))
        for region in sorted(set(REGION_OF.values())):
            if rng.random() < 0.4:
                cells.append(Capacity(cluster, "IIb", region, rng.randint(0, 2)))
    return rng.randbytes(32).hex(), apps, cells, rng.randint(1, 3)


INSTANCES = [random_instance(random.Random(seed)) for seed in range(150)]


def run(secret: str, apps: list[Any], cells: list[Any], cap: int) -> dict[str, Any]:
    return lottery.run(CALL, secret, apps, cells, cap)


def left_after(bundle: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    left = {(c["cluster"], c["category"], c["area"]): c["programmes"] for c in bundle["capacity"]}
    for a in bundle["allocation"]:
        left[(a["cluster"], a["category"], a["area"])] -= 1
    return left


# ------------------------------------------------------------------ hand-worked example

HAND_APPS = [
    Application("K01", "P1", "R1", ("Β2.1", "Β2.2"), "2024-05-01T09:00:00Z"),
    Application("K02", "P1", "R1", ("Β2.1", "Β2.3"), "2024-05-02T09:00:00Z"),
    Application("K03", "P2", "R1", ("Β2.2", "Β2.1"), "2024-05-03T09:00:00Z"),
    Application("K04", "P3", "R2", ("Β2.1", "Β2.2"), "2024-05-04T09:00:00Z"),
]
HAND_CAPACITY = [
    Capacity("Β2.1", "IIa", "P1", 1),
    Capacity("Β2.1", "IIb", "R1", 1),
    Capacity("Β2.2", "IIa", "P2", 1),
    Capacity("Β2.2", "IIb", "R1", 1),
    Capacity("Β2.3", "IIa", "P1", 0),
    Capacity("Β2.1", "IIb", "R2", 2),
]
HAND_CAP = 2


def hand_bundle() -> dict[str, Any]:
    return lottery.run(CALL, SECRET, HAND_APPS, HAND_CAPACITY, HAND_CAP)


# ------------------------------------------------------------------ known answers (K-7)

def test_known_answer_ticket_and_number() -> None:
    """K-7, lottery.md step 2: ticket = HMAC-SHA256(secret bytes, UTF-8 message); number = ticket mod 10^12, 12 digits."""
    expected_hex = "44da2ebddae61fa25fd1638c7565fde62a053dbb104f50473dbfdcf57753286d"
    assert hmac_ticket(SECRET, CALL, "ΚΣΕ-0042") == expected_hex
    assert lottery.ticket(SECRET, CALL, "ΚΣΕ-0042") == (expected_hex, "012686719085")  # zero-padded


def test_known_answer_commitment_is_over_secret_bytes() -> None:
    """lottery.md step 1: commitment = SHA-256 of the 32 secret bytes, not of the hex text."""
    assert lottery.commitment(SECRET) == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    assert lottery.commitment(SECRET) == hashlib.sha256(bytes(range(32))).hexdigest()
    assert lottery.commitment(SECRET) != hashlib.sha256(SECRET.encode()).hexdigest()


def test_new_secret_is_32_random_bytes() -> None:
    """lottery.md step 1: a fresh 32-byte secret from `secrets`, 64 lowercase hex chars."""
    drawn = {lottery.new_secret() for _ in range(50)}
    assert len(drawn) == 50
    for secret in drawn:
        assert len(secret) == 64 and secret == secret.lower() and bytes.fromhex(secret)


def test_ticket_depends_only_on_call_and_centre() -> None:
    """K-7: re-saving or a new submission time never changes the number; another call does."""
    early = run(SECRET, [Application("K01", "P1", "R1", ("Β2.1",), "2024-05-01T09:00:00Z")], [], 1)
    late = run(SECRET, [Application("K01", "P2", "R1", ("Β2.2", "Β2.1"), "2024-06-30T23:59:59.5+00:00")], [], 1)
    assert early["tickets"] == late["tickets"]
    assert lottery.ticket(SECRET, "OTHER-CALL", "K01") != lottery.ticket(SECRET, CALL, "K01")


# ------------------------------------------------------------------ hand-worked allocation (K-9)

def test_hand_worked_allocation() -> None:
    """K-9, lottery.md step 4: rounds, draw order, IIa before IIb, own areas, cap, exhausted, repeats.

    Tickets (computed once with hmac, asserted below) give the draw order
    K02 (29743375...) < K04 (a8bf4be5...) < K01 (af7d131f...) < K03 (c7c12a35...),
    so positions are K02=1, K04=2, K01=3, K03=4. Cap 2. P1, P2 are in R1; P3 in R2.

    Round 1
      K02 (P1/R1, ranks 2.1, 2.3): 2.1 IIa P1 has 1 (IIb R1 too; IIa first) -> 2.1 IIa P1.
      K04 (P3/R2, ranks 2.1, 2.2): 2.1 IIa P3 has no cell; 2.1 IIb R2 has 2 -> 2.1 IIb R2.
      K01 (P1/R1, ranks 2.1, 2.2): 2.1 IIa P1 is 0 now; 2.1 IIb R1 has 1 -> 2.1 IIb R1.
      K03 (P2/R1, ranks 2.2, 2.1): 2.2 IIa P2 has 1 -> 2.2 IIa P2.
    Round 2
      K02: 2.1 has 0 in P1 and R1, 2.3 has 0 in P1 (cell of 0) and no R1 cell -> nothing;
           exhausted [2.1, 2.3]; takes no further turns.
      K04: 2.1 IIb R2 still has 1 -> 2.1 IIb R2 again (a cluster it already holds);
           now holds 2 = cap and leaves.
      K01: 2.1 exhausted; 2.2 has no IIa P1 cell, IIb R1 has 1 -> 2.2 IIb R1; exhausted [2.1];
           holds 2 and leaves.
      K03: 2.2 is 0 in P2 and in R1 (just taken), 2.1 is 0 in P2 and R1 -> nothing;
           exhausted [2.2, 2.1].
    Round 3: nobody is left, nothing is allocated: the lottery ends.
    """
    tickets = {c: hmac_ticket(SECRET, CALL, c) for c in ("K01", "K02", "K03", "K04")}
    assert sorted(tickets, key=tickets.__getitem__) == ["K02", "K04", "K01", "K03"]
    bundle = hand_bundle()
    assert [(t["centre"], t["position"], t["ticket"]) for t in bundle["tickets"]] == [
        ("K02", 1, tickets["K02"]), ("K04", 2, tickets["K04"]),
        ("K01", 3, tickets["K01"]), ("K03", 4, tickets["K03"]),
    ]
    assert bundle["allocation"] == [
        {"round": 1, "position": 1, "centre": "K02", "cluster": "Β2.1", "category": "IIa", "area": "P1"},
        {"round": 1, "position": 2, "centre": "K04", "cluster": "Β2.1", "category": "IIb", "area": "R2"},
        {"round": 1, "position": 3, "centre": "K01", "cluster": "Β2.1", "category": "IIb", "area": "R1"},
        {"round": 1, "position": 4, "centre": "K03", "cluster": "Β2.2", "category": "IIa", "area": "P2"},
        {"round": 2, "position": 2, "centre": "K04", "cluster": "Β2.1", "category": "IIb", "area": "R2"},
        {"round": 2, "position": 3, "centre": "K01", "cluster": "Β2.2", "category": "IIb", "area": "R1"},
    ]
    assert bundle["exhausted"] == [
        {"round": 2, "centre": "K02", "clusters": ["Β2.1", "Β2.3"]},
        {"round": 2, "centre": "K01", "clusters": ["Β2.1"]},
        {"round": 2, "centre": "K03", "clusters": ["Β2.2", "Β2.1"]},
    ]


def test_known_answer_bundle_bytes() -> None:
    """lottery.md step 5: the hand-worked bundle has exactly these format and SHA-256 (a regression pin)."""
    bundle = hand_bundle()
    assert tuple(bundle) == BUNDLE_KEYS
    data = lottery.serialise(bundle)
    assert data == (json.dumps(bundle, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")
    assert "Β2.1".encode() in data  # ensure_ascii=False: Greek stays readable
    assert lottery.bundle_sha256(data) == hashlib.sha256(data).hexdigest()
    assert lottery.bundle_sha256(data) == "f233640983b26e7f03dc48ec84595e3f79b21c9b0873ee157540be911985c371"


def test_received_cluster_stays_eligible_and_exhausted_means_none_left() -> None:
    """K-9 subtle point: a cluster already received is taken again while it has programmes; listed as exhausted only once empty."""
    apps = [Application("K01", "P1", "R1", ("Β2.1", "Β2.2"), TIME)]
    cells = [Capacity("Β2.1", "IIa", "P1", 1), Capacity("Β2.1", "IIb", "R1", 1), Capacity("Β2.2", "IIa", "P1", 5)]
    bundle = run(SECRET, apps, cells, 3)
    assert [(a["round"], a["cluster"], a["category"]) for a in bundle["allocation"]] == [
        (1, "Β2.1", "IIa"), (2, "Β2.1", "IIb"), (3, "Β2.2", "IIa"),
    ]
    # Β2.1 is exhausted only at the round-3 turn, after both of its cells were used.
    assert bundle["exhausted"] == [{"round": 3, "centre": "K01", "clusters": ["Β2.1"]}]


# ------------------------------------------------------------------ determinism

@pytest.mark.parametrize("index", range(0, len(INSTANCES), 5))
def test_determinism_any_input_order_gives_identical_bytes(index: int) -> None:
    """Invariant Determinism: the same inputs in any order give a byte-identical bundle, and the verifier accepts it."""
    secret, apps, cells, cap = INSTANCES[index]
    reference = lottery.serialise(run(secret, apps, cells, cap))
    rng = random.Random(index)
    for _ in range(3):
        shuffled_apps = [Application(a.centre, a.prefecture, a.region, list(a.clusters), a.submitted_at)
                         for a in rng.sample(apps, len(apps))]
        shuffled_cells = rng.sample(cells, len(cells))
        assert lottery.serialise(run(secret, shuffled_apps, shuffled_cells, cap)) == reference
    assert verifier.verify(reference) == (True, "OK " + hashlib.sha256(reference).hexdigest())


def test_canonical_order_of_inputs_in_bundle() -> None:
    """Invariant Determinism: applications are listed by centre code, capacity by (cluster, category, area)."""
    bundle = hand_bundle()
    assert [a["centre"] for a in bundle["applications"]] == ["K01", "K02", "K03", "K04"]
    keys = [(c["cluster"], c["category"], c["area"]) for c in bundle["capacity"]]
    assert keys == sorted(keys) and len(keys) == len(HAND_CAPACITY)


def test_bundle_has_no_floats_and_does_not_touch_inputs() -> None:
    """lottery.md step 5 (no floats) and Atomicity: run() is pure, leaving its inputs as they were."""
    apps, cells = list(HAND_APPS), list(HAND_CAPACITY)
    bundle = lottery.run(CALL, SECRET, apps, cells, HAND_CAP)
    assert apps == HAND_APPS and cells == HAND_CAPACITY

    def walk(value: Any) -> None:
        assert type(value) in (str, int, list, dict), value
        for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
            walk(child)

    walk(bundle)
    assert lottery.serialise(hand_bundle()) == lottery.serialise(bundle)


# ------------------------------------------------------------------ tampering

def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1:]


def _input_sections(data: bytes) -> list[range]:
    """Byte ranges of the bundle's pure inputs, which no ticket or allocation can vouch for."""
    starts = {key: data.index(f'\n "{key}": '.encode()) for key in BUNDLE_KEYS}
    ordered = sorted(starts.values()) + [len(data)]
    after = {start: ordered[i + 1] for i, start in enumerate(ordered[:-1])}
    return [range(starts[k], after[starts[k]]) for k in ("applications", "capacity", "max_programmes_per_centre")]


def test_tampering_any_byte_is_rejected() -> None:
    """Invariant Determinism (tampering): every single-byte change of the bundle is rejected.

    Against the published SHA-256 every change fails. From the file alone, every change fails
    too except some inside the input lists (say a submission time) that alter no ticket and no
    allocation: only the published hash can vouch for those, so the verifier asks for it.
    """
    data = lottery.serialise(hand_bundle())
    published = hashlib.sha256(data).hexdigest()
    inputs = _input_sections(data)
    blind = []
    for offset in range(len(data)):
        tampered = _flip(data, offset)
        ok, message = verifier.verify(tampered, published)
        assert not ok and message.startswith(("DIFFERENCE: ", "ERROR: ")), (offset, message)
        if verifier.verify(tampered)[0]:
            blind.append(offset)
    assert all(any(offset in section for section in inputs) for offset in blind), blind
    assert len(blind) < len(data) // 10


def test_tampering_sample_of_offsets_in_random_bundles() -> None:
    """Invariant Determinism (tampering): a sample of byte offsets in larger random bundles, with the published hash."""
    rng = random.Random(7)
    for secret, apps, cells, cap in INSTANCES[:20]:
        data = lottery.serialise(run(secret, apps, cells, cap))
        published = hashlib.sha256(data).hexdigest()
        for offset in rng.sample(range(len(data)), min(40, len(data))):
            assert not verifier.verify(_flip(data, offset), published)[0], offset


def _edited(change: Any) -> tuple[bool, str]:
    bundle = hand_bundle()
    change(bundle)
    return verifier.verify(lottery.serialise(bundle))


@pytest.mark.parametrize(
    ("change", "start"),
    [
        (lambda b: b["tickets"][2].update(ticket="0" + b["tickets"][2]["ticket"][1:]), "DIFFERENCE: tickets[2]: expected"),
        (lambda b: b["tickets"][0].update(number="000000000000"), "DIFFERENCE: tickets[0]"),
        (lambda b: b["tickets"].reverse(), "DIFFERENCE: tickets[0]"),
        (lambda b: b["tickets"][0].update(position=True), "DIFFERENCE: tickets[0]"),  # true is not 1
        (lambda b: b["allocation"][3].update(area="R1", category="IIb"), "DIFFERENCE: allocation[3]: expected"),
        (lambda b: b["allocation"][1].update(round=2), "DIFFERENCE: allocation[1]"),
        (lambda b: b["allocation"].pop(), "DIFFERENCE: allocation[5]: expected"),
        (lambda b: b["allocation"].append(dict(b["allocation"][0])), "DIFFERENCE: allocation[6]: expected no entry"),
        (lambda b: b["exhausted"][0]["clusters"].reverse(), "DIFFERENCE: exhausted[0]"),
        (lambda b: b["exhausted"].clear(), "DIFFERENCE: exhausted[0]"),
        (lambda b: b["applications"][0].update(centre="K00"), "DIFFERENCE: tickets["),
        (lambda b: b["applications"][0].update(clusters=["Β2.2", "Β2.1"]), "DIFFERENCE: allocation["),
        (lambda b: b["applications"].reverse(), "DIFFERENCE: applications[1]: applications must be sorted"),
        (lambda b: b["capacity"][0].update(programmes=0), "DIFFERENCE: allocation[0]"),
        (lambda b: b["capacity"][0].update(programmes=-1), "DIFFERENCE: capacity[0].programmes"),
        (lambda b: b["capacity"][0].update(category="ΙΙa"), "DIFFERENCE: capacity[0].category"),  # Greek iotas
        (lambda b: b.update(max_programmes_per_centre=1), "DIFFERENCE: allocation[4]"),
        (lambda b: b.update(call="OTHER"), "DIFFERENCE: tickets[0]"),
        (lambda b: b.update(secret=lottery.new_secret()), "DIFFERENCE: commitment"),
        (lambda b: b.update(commitment="0" * 64), "DIFFERENCE: commitment"),
        (lambda b: b.update(algorithm="KSE-LOTTERY-v2"), "DIFFERENCE: algorithm"),
        (lambda b: b.update(note="x"), "DIFFERENCE: the bundle has an unexpected key 'note'"),
        (lambda b: b.pop("exhausted"), "DIFFERENCE: the bundle lacks the key 'exhausted'"),
    ],
)
def test_tampering_one_field_is_named(change: Any, start: str) -> None:
    """Invariant Determinism (tampering): a changed ticket, allocation entry or input field is rejected and named."""
    ok, message = _edited(change)
    assert not ok and message.startswith(start), message


@pytest.mark.parametrize(
    "reformat",
    [
        lambda d: d.replace(b'"round": 1', b'"round":  1', 1),
        lambda d: d.replace(b"\n", b"\r\n"),
        lambda d: d[:-1],
        lambda d: d + b"\n",
        lambda d: b" " + d,
        lambda d: (json.dumps(json.loads(d), ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode(),
        lambda d: (json.dumps(json.loads(d), ensure_ascii=True, sort_keys=True, indent=1) + "\n").encode(),
        lambda d: (json.dumps(hand_bundle(), ensure_ascii=False, indent=1) + "\n").encode(),  # keys unsorted
        lambda d: b"\xef\xbb\xbf" + d,  # a BOM
    ],
)
def test_tampering_whitespace_or_layout_is_rejected(reformat: Any) -> None:
    """Invariant Determinism: only the canonical serialisation is accepted (same content, other bytes fail)."""
    ok, message = verifier.verify(reformat(lottery.serialise(hand_bundle())))
    assert not ok and message.startswith(("DIFFERENCE: the file is not in canonical form", "ERROR: ")), message


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"{not json", "ERROR: the file is not a valid bundle JSON"),
        (b"", "ERROR: the file is not a valid bundle JSON"),
        (b"\xff\xfe{}", "ERROR: the file is not UTF-8 text"),
        (b'{"a": 1, "a": 1}', "ERROR: the file is not a valid bundle JSON (the key 'a' appears twice"),
        (b'{"a": 1.0}', "ERROR: the file is not a valid bundle JSON (the number 1.0 is not an integer"),
        (b'{"a": NaN}', "ERROR: the file is not a valid bundle JSON (the number NaN"),
        (b"[]", "DIFFERENCE: the bundle should be a JSON object"),
    ],
)
def test_verifier_rejects_malformed_files(data: bytes, start: str) -> None:
    """lottery.md step 5: the verifier explains files that are not a bundle at all (floats included)."""
    ok, message = verifier.verify(data)
    assert not ok and message.startswith(start), message


def test_verifier_checks_published_hash() -> None:
    """Invariant Determinism: with the published SHA-256 the verifier also catches self-consistent input edits."""
    bundle = hand_bundle()
    data = lottery.serialise(bundle)
    bundle["applications"][0]["submitted_at"] = "2024-05-01T09:00:01Z"  # changes no ticket, no allocation
    forged = lottery.serialise(bundle)
    assert verifier.verify(forged)[0]
    ok, message = verifier.verify(forged, hashlib.sha256(data).hexdigest())
    assert not ok and message.startswith("DIFFERENCE: the SHA-256 of the file is"), message
    assert verifier.verify(data, hashlib.sha256(data).hexdigest().upper())[0]


def test_verifier_is_an_independent_implementation() -> None:
    """lottery.md step 5: the public verifier re-implements the algorithm instead of importing it."""
    source = (RULES / "verify_lottery.py").read_text(encoding="utf-8")
    imported = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= {"__future__", "hashlib", "hmac", "json", "re", "sys", "datetime", "typing"}


# ------------------------------------------------------------------ stability

@pytest.mark.parametrize("index", range(1, len(INSTANCES), 10))
def test_stability_adding_or_removing_an_application_keeps_other_tickets(index: int) -> None:
    """Invariant Stability: adding or removing one application changes no other centre's ticket or number."""
    secret, apps, cells, cap = INSTANCES[index]

    def tickets(some: list[Any]) -> dict[str, tuple[str, str]]:
        return {t["centre"]: (t["ticket"], t["number"]) for t in run(secret, some, cells, cap)["tickets"]}

    full = tickets(apps)
    extra = tickets(apps + [Application("NEW", "P1", "R1", ("Β2.1",), TIME)])
    assert {c: t for c, t in extra.items() if c != "NEW"} == full
    for removed in apps[:3]:
        fewer = tickets([a for a in apps if a is not removed])
        assert fewer == {c: t for c, t in full.items() if c != removed.centre}


# ------------------------------------------------------------------ capacity, eligibility, cap, non-wastefulness

@pytest.mark.parametrize("index", range(len(INSTANCES)))
def test_capacity_eligibility_cap_and_non_wastefulness(index: int) -> None:
    """Invariants Capacity and Non-wastefulness (K-9): cells never exceeded; only ranked clusters in own
    prefecture (IIa) or region (IIb); nobody above the cap; at the end no centre below its cap has a
    ranked cluster with a programme left in its areas; exhausted lists hold only clusters with none left."""
    secret, apps, cells, cap = INSTANCES[index]
    bundle = run(secret, apps, cells, cap)
    by_centre = {a.centre: a for a in apps}
    position = {t["centre"]: t["position"] for t in bundle["tickets"]}
    assert sorted(position.values()) == list(range(1, len(apps) + 1))

    left = left_after(bundle)
    assert all(n >= 0 for n in left.values())
    held: dict[str, int] = {}
    per_round: set[tuple[int, str]] = set()
    for a in bundle["allocation"]:
        app = by_centre[a["centre"]]
        assert a["position"] == position[a["centre"]]
        assert a["cluster"] in app.clusters
        assert a["area"] == (app.prefecture if a["category"] == "IIa" else app.region)
        assert (a["round"], a["centre"]) not in per_round  # one programme per centre per round
        per_round.add((a["round"], a["centre"]))
        held[a["centre"]] = held.get(a["centre"], 0) + 1
    assert all(n <= cap for n in held.values())
    assert [(a["round"], a["position"]) for a in bundle["allocation"]] == sorted(
        (a["round"], a["position"]) for a in bundle["allocation"])

    for app in apps:
        if held.get(app.centre, 0) < cap:
            for cluster in app.clusters:
                assert left.get((cluster, "IIa", app.prefecture), 0) == 0, (app, cluster)
                assert left.get((cluster, "IIb", app.region), 0) == 0, (app, cluster)

    # Replay every turn in order (exhausted entry before the pick of the same turn) and check the
    # definition: each listed cluster had no programme left in either area at that turn, and every
    # cluster ranked above the one received is listed.
    now = {(c.cluster, c.category, c.area): c.programmes for c in cells}
    events = [((e["round"], position[e["centre"]], 0), e) for e in bundle["exhausted"]]
    events += [((a["round"], a["position"], 1), a) for a in bundle["allocation"]]
    listed: dict[tuple[int, str], list[str]] = {}
    for _, event in sorted(events, key=lambda pair: pair[0]):
        app = by_centre[event["centre"]]
        if "clusters" in event:
            assert event["clusters"], "empty exhausted entries are left out"
            assert event["clusters"] == [c for c in app.clusters if c in event["clusters"]]  # preference order
            for cluster in event["clusters"]:
                assert now.get((cluster, "IIa", app.prefecture), 0) == 0
                assert now.get((cluster, "IIb", app.region), 0) == 0
            listed[(event["round"], event["centre"])] = event["clusters"]
        else:
            above = list(app.clusters[: app.clusters.index(event["cluster"])])
            assert listed.get((event["round"], event["centre"]), []) == above
            now[(event["cluster"], event["category"], event["area"])] -= 1

    assert verifier.verify(lottery.serialise(bundle))[0]


def test_cap_one_is_random_serial_dictatorship() -> None:
    """lottery.md step 4: with max_programmes_per_centre = 1 the lottery is random serial dictatorship."""
    for secret, apps, cells, _ in INSTANCES:
        bundle = run(secret, apps, cells, 1)
        left = {(c.cluster, c.category, c.area): c.programmes for c in cells}
        by_centre = {a.centre: a for a in apps}
        expected = []
        for t in sorted(bundle["tickets"], key=lambda t: t["position"]):  # serial dictatorship in draw order
            app = by_centre[t["centre"]]
            options = [(cl, cat, area) for cl in app.clusters
                       for cat, area in (("IIa", app.prefecture), ("IIb", app.region))]
            best = next((o for o in options if left.get(o, 0) > 0), None)
            if best is not None:
                left[best] -= 1
                expected.append((t["centre"],) + best)
        assert [(a["centre"], a["cluster"], a["category"], a["area"]) for a in bundle["allocation"]] == expected
        assert {a["round"] for a in bundle["allocation"]} <= {1}


# ------------------------------------------------------------------ uniformity (K-7: the number is random)

N_CENTRES = 8
N_SECRETS = 2000
# Chi-square critical value for 7 degrees of freedom (8 positions) at significance 0.001.
CHI2_CRITICAL_DF7 = 24.322
UNIFORM_APPS = [
    # Submission times in an order unrelated to the codes, so the two correlations differ.
    Application(f"K{c:02d}", "P1", "R1", ("Β2.1",), f"2024-05-01T10:0{(c * 3) % N_CENTRES}:00Z")
    for c in range(N_CENTRES)
]
UNIFORM_SECRETS = [hashlib.sha256(f"uniformity-{i}".encode()).hexdigest() for i in range(N_SECRETS)]


def _real_orders() -> list[list[str]]:
    return [[t["centre"] for t in run(s, UNIFORM_APPS, [], 1)["tickets"]] for s in UNIFORM_SECRETS]


REAL_ORDERS = _real_orders()


def _by_submission(_: str) -> list[str]:
    """A biased draw: earliest submitter first (the DV-2012 / NYC failure lottery.md warns of)."""
    return [a.centre for a in sorted(UNIFORM_APPS, key=lambda a: a.submitted_at)]


def _nudged(order: list[str], secret: str) -> list[str]:
    """A subtle bias: the earliest submitter moves up one place whenever the secret's first hex digit is even."""
    first = min(UNIFORM_APPS, key=lambda a: a.submitted_at).centre
    order = list(order)
    i = order.index(first)
    if i > 0 and int(secret[0], 16) % 2 == 0:
        order[i - 1], order[i] = order[i], order[i - 1]
    return order


def chi_square_worst(orders: list[list[str]]) -> float:
    """The largest per-centre chi-square of draw position against the uniform distribution."""
    expected = len(orders) / N_CENTRES
    worst = 0.0
    for app in UNIFORM_APPS:
        counts = [0] * N_CENTRES
        for order in orders:
            counts[order.index(app.centre)] += 1
        worst = max(worst, sum((n - expected) ** 2 / expected for n in counts))
    return worst


def mean_rank_correlation(orders: list[list[str]], rank: dict[str, int]) -> float:
    """Mean Spearman correlation between draw position and a given ranking of the centres."""
    n = N_CENTRES
    total = 0.0
    for order in orders:
        d2 = sum((order.index(c) - r) ** 2 for c, r in rank.items())
        total += 1 - 6 * d2 / (n * (n * n - 1))
    return total / len(orders)


SUBMISSION_RANK = {a.centre: i for i, a in enumerate(sorted(UNIFORM_APPS, key=lambda a: a.submitted_at))}
CODE_RANK = {a.centre: i for i, a in enumerate(sorted(UNIFORM_APPS, key=lambda a: a.centre))}


def test_uniformity_chi_square_passes_for_the_lottery() -> None:
    """Invariant Uniformity (K-7): over 2000 secrets each centre's draw position is uniform (chi-square, df 7, p 0.001)."""
    assert chi_square_worst(REAL_ORDERS) < CHI2_CRITICAL_DF7


def test_uniformity_chi_square_fails_for_biased_orders() -> None:
    """Invariant Uniformity: the same chi-square test rejects a biased order, so it could fail."""
    assert chi_square_worst([_by_submission(s) for s in UNIFORM_SECRETS]) > CHI2_CRITICAL_DF7
    assert chi_square_worst([_nudged(o, s) for o, s in zip(REAL_ORDERS, UNIFORM_SECRETS, strict=True)]) > CHI2_CRITICAL_DF7


def test_uniformity_no_correlation_with_submission_time_or_centre_code() -> None:
    """Invariant Uniformity: draw position is uncorrelated with submission order and with centre code.

    For a uniform permutation of 8 the Spearman coefficient has mean 0 and sd 1/sqrt(7); the mean of
    2000 of them has sd about 0.0085, so 0.05 is a ~6 sd bound, while a biased order gives 1.
    """
    assert abs(mean_rank_correlation(REAL_ORDERS, SUBMISSION_RANK)) < 0.05
    assert abs(mean_rank_correlation(REAL_ORDERS, CODE_RANK)) < 0.05
    assert mean_rank_correlation([_by_submission(s) for s in UNIFORM_SECRETS], SUBMISSION_RANK) == 1.0


# ------------------------------------------------------------------ input validation

def _app(**changes: Any) -> Any:
    fields = {"centre": "K01", "prefecture": "P1", "region": "R1", "clusters": ("Β2.1",), "submitted_at": TIME}
    fields.update(changes)
    return Application(**fields)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"secret_hex": "ab" * 31}, "secret"),
        ({"secret_hex": SECRET.upper()}, "secret"),
        ({"secret_hex": "zz" * 32}, "secret"),
        ({"call_code": ""}, "call code"),
        ({"applications": [_app(), _app()]}, "duplicate centre K01"),
        ({"applications": [_app(centre=" K01")]}, "centre code"),
        ({"applications": [_app(clusters=("Β2.1", "Β2.1"))]}, "ranked twice"),
        ({"applications": [_app(clusters="Β2.1")]}, "clusters must be a tuple"),
        ({"applications": [_app(), _app(centre="K02", region="R2")]}, "prefecture P1 is in region R1"),
        ({"applications": [_app(submitted_at="2024-05-01T10:00:00")]}, "submitted_at"),
        ({"applications": [_app(submitted_at="2024-05-01T12:00:00+02:00")]}, "submitted_at"),
        ({"applications": [_app(submitted_at="2024-02-30T10:00:00Z")]}, "submitted_at"),
        ({"capacity": [Capacity("Β2.1", "ΙΙa", "P1", 1)]}, "unknown category"),  # Greek iotas
        ({"capacity": [Capacity("Β2.1", "IIc", "P1", 1)]}, "unknown category"),
        ({"capacity": [Capacity("Β2.1", "IIa", "P1", -1)]}, "non-negative integer"),
        ({"capacity": [Capacity("Β2.1", "IIa", "P1", 1.0)]}, "non-negative integer"),
        ({"capacity": [Capacity("Β2.1", "IIa", "P1", True)]}, "non-negative integer"),
        ({"capacity": [Capacity("Β2.1", "IIa", "P1", 1), Capacity("Β2.1", "IIa", "P1", 2)]}, "duplicate capacity cell"),
        ({"max_programmes_per_centre": 0}, "max_programmes_per_centre"),
        ({"max_programmes_per_centre": True}, "max_programmes_per_centre"),
        ({"max_programmes_per_centre": 1.5}, "max_programmes_per_centre"),
    ],
)
def test_invalid_inputs_are_refused(kwargs: dict[str, Any], fragment: str) -> None:
    """K-9 / Atomicity: bad inputs raise LotteryError (a ValueError) before anything is produced."""
    arguments: dict[str, Any] = {"call_code": CALL, "secret_hex": SECRET, "applications": [_app()],
                                 "capacity": [], "max_programmes_per_centre": 1}
    arguments.update(kwargs)
    with pytest.raises(LotteryError, match=fragment):
        lottery.run(**arguments)
    assert issubclass(LotteryError, ValueError)


def test_empty_call_gives_an_empty_valid_bundle() -> None:
    """K-9: a call without final applications still yields a verifiable bundle."""
    data = lottery.serialise(lottery.run(CALL, SECRET, [], [Capacity("Β2.1", "IIa", "P1", 2)], 1))
    assert verifier.verify(data)[0]


# ------------------------------------------------------------------ verifier CLI

def _cli(*args: str, stdin: bytes = b"") -> tuple[int, str]:
    done = subprocess.run([sys.executable, str(RULES / "verify_lottery.py"), *args],
                          input=stdin, capture_output=True, timeout=30, check=False)
    return done.returncode, done.stdout.decode("utf-8")


def test_verifier_cli(tmp_path: Path) -> None:
    """lottery.md step 5: the downloadable verifier prints OK <sha256> / exit 0, or the first difference / exit 1."""
    data = lottery.serialise(hand_bundle())
    digest = hashlib.sha256(data).hexdigest()
    good = tmp_path / "bundle.json"
    good.write_bytes(data)
    assert _cli(str(good)) == (0, f"OK {digest}\n")
    assert _cli(str(good), digest) == (0, f"OK {digest}\n")
    assert _cli("-", stdin=data) == (0, f"OK {digest}\n")

    bundle = hand_bundle()
    bundle["allocation"][3]["centre"] = "K01"
    bad = tmp_path / "tampered.json"
    bad.write_bytes(lottery.serialise(bundle))
    code, out = _cli(str(bad))
    assert code == 1 and out.startswith("DIFFERENCE: allocation[3]: expected {"), out
    assert '"centre": "K03"' in out and '"centre": "K01"' in out

    code, out = _cli(str(good), "0" * 64)
    assert code == 1 and "published value" in out, out
    code, out = _cli("-", stdin=data[:-10])
    assert code == 1 and out.startswith("ERROR: the file is not a valid bundle JSON"), out
    code, out = _cli(str(tmp_path / "missing.json"))
    assert code == 1 and out.startswith("ERROR: cannot read"), out
    assert _cli()[0] == 2
    code, out = _cli("--help")
    assert code == 0 and "Usage:" in out
