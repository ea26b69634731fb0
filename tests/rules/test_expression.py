"""Expression-of-interest rules (K-5, K-6, K-7), call phases and edits, and the sealing
of the lottery secret at rest (lottery.md step 1). Pure: no app, no database."""
from __future__ import annotations

import datetime as dt

import pytest

from app.rules import sealing
from app.rules.expression import Phase, check_call_edit, check_final, check_save, parse_ranking, phase

T0 = dt.datetime(2026, 3, 1, 9, 0)
T1 = dt.datetime(2026, 3, 31, 15, 0)
IDS = list(range(1, 14))


def test_phase_boundaries():
    assert phase(T0, T1, T0 - dt.timedelta(seconds=1)) is Phase.upcoming
    assert phase(T0, T1, T0) is Phase.open
    assert phase(T0, T1, T1 - dt.timedelta(seconds=1)) is Phase.open
    assert phase(T0, T1, T1) is Phase.closed  # the close time itself is too late


def test_ranking_is_ordered_by_preference_and_blanks_stay_available():
    """K-5: the right list in order of preference; gaps in the numbers do not matter."""
    form = {"rank_5": "2", "rank_3": "10", "rank_7": "", "rank_1": "1", "csrf_token": "x"}
    assert parse_ranking(form, IDS) == ([1, 5, 3], [])


@pytest.mark.parametrize("form, message", [
    ({"rank_1": "1", "rank_2": "1"}, "same preference"),
    ({"rank_1": "0"}, "not a whole number"),
    ({"rank_1": "x"}, "not a whole number"),
    ({"rank_99": "1"}, "Unknown cluster"),      # a forged cluster id
    ({"rank_abc": "1"}, "Unknown cluster"),
])
def test_ranking_refuses_bad_or_forged_input(form, message):
    _ranked, problems = parse_ranking(form, IDS)
    assert problems and message in problems[0].message


def test_save_needs_every_declaration_open_call_and_draft():
    """K-5: 'Save choices' only with every declaration accepted; K-7: never on a final one."""
    assert check_save([True, True], Phase.open, False) == []
    assert "Accept every declaration" in check_save([True, False], Phase.open, False)[0].message
    assert "submitted finally" in check_save([True], Phase.open, True)[0].message
    assert "not opened" in check_save([True], Phase.upcoming, False)[0].message
    assert "closed" in check_save([True], Phase.closed, False)[0].message


def test_final_submission_needs_all_required_clusters():
    """K-6: fewer than the required clusters is refused with the numbers in the message."""
    problems = check_final(IDS[:12], 13, True, Phase.open, False, saved=True)
    assert len(problems) == 1 and problems[0].params == {"required": 13, "count": 12}
    assert check_final(IDS, 13, True, Phase.open, False, saved=True) == []
    assert check_final(IDS[:10], 10, True, Phase.open, False, saved=True) == []  # the call may ask fewer
    assert "Save the choices" in check_final(IDS, 13, True, Phase.open, False, saved=False)[0].message
    assert "closed" in check_final(IDS, 13, True, Phase.closed, False, saved=True)[0].message
    assert "submitted finally" in check_final(IDS, 13, True, Phase.open, True, saved=True)[0].message


def test_call_edits_freeze_what_feeds_the_lottery():
    kwargs = {"clusters_total": 13, "required_clusters": 13, "closes_at": T1, "now": T0}
    assert check_call_edit({"required_clusters", "opens_at"}, Phase.upcoming, False, **kwargs) == []
    frozen = check_call_edit({"required_clusters", "title"}, Phase.open, False, **kwargs)
    assert len(frozen) == 1 and frozen[0].params == {"fields": "required_clusters"}
    assert check_call_edit({"closes_at", "title"}, Phase.open, False, **kwargs) == []  # an extension
    early = check_call_edit({"closes_at"}, Phase.open, False, **{**kwargs, "closes_at": T0 - dt.timedelta(hours=1)})
    assert "extended" in early[0].message
    assert "has run" in check_call_edit({"title"}, Phase.closed, True, **kwargs)[0].message
    assert check_call_edit(set(), Phase.upcoming, False, **{**kwargs, "required_clusters": 14})


def test_sealed_secret_round_trip_and_refusals():
    """lottery.md step 1: stored encrypted; only the same key and the same call open it;
    any altered character is detected; two seals of one secret differ (fresh nonce)."""
    secret = bytes(range(32))
    key = b"k" * 32
    sealed = sealing.seal(secret, key, "B2-2026")
    assert secret.hex() not in sealed and sealing.unseal(sealed, key, "B2-2026") == secret
    assert sealing.seal(secret, key, "B2-2026") != sealed
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealed, b"x" * 32, "B2-2026")
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealed, key, "B2-2027")
    for i in range(3, len(sealed)):
        if sealed[i] == "$":
            continue
        altered = sealed[:i] + ("0" if sealed[i] != "0" else "1") + sealed[i + 1:]
        with pytest.raises(sealing.SealError):
            sealing.unseal(altered, key, "B2-2026")
