"""The evaluation formulas at their boundaries (E-10…E-13)."""
from decimal import Decimal as D

import pytest

from app.rules import evaluation as r


@pytest.mark.parametrize("value, ok", [(0, False), (1, True), (100, True), (101, False), (None, False)])
def test_marks_are_1_to_100(value, ok):  # E-10
    assert r.check_mark(value) is ok


def test_attitude_is_the_mean_of_four():  # E-10 axis i
    assert r.attitude_score([70, 80, 90, 61]) == D("75.25")
    with pytest.raises(ValueError):
        r.attitude_score([70, 80, 90])
    with pytest.raises(ValueError):
        r.attitude_score([70, 80, 90, 0])


def test_weighted_mark_default_and_edited_weights():  # E-10 axis ii
    marks = {"commentary": 100, "clarity": 50, "consistency": 50, "usefulness": 1}
    assert r.weighted_mark(marks, r.DEFAULT_REPORT_WEIGHTS) == D("50.25")
    assert r.weighted_mark(marks, {"commentary": 100, "clarity": 0, "consistency": 0, "usefulness": 0}) == D("100.00")
    with pytest.raises(ValueError):
        r.weighted_mark(marks, dict.fromkeys(r.REPORT_CRITERIA, 0))


def test_report_score_weights_chair_and_assessor():
    assert r.report_score(D("80"), D("60")) == D("70.00")
    assert r.report_score(D("80"), D("60"), 100, 0) == D("80.00")
    assert r.report_score(D("80"), D("61"), 1, 2) == D("67.33")


def test_performance_score_is_quarter_attitude_three_quarters_reports():  # E-11
    assert r.performance_score(D("100"), D("0")) == D("25.00")
    assert r.performance_score(D("0"), D("100")) == D("75.00")
    assert r.performance_score(D("70.01"), D("69.99")) == D("70.00")


@pytest.mark.parametrize("score, points", [("100", 1), ("70.00", 1), ("69.99", 0), ("50.00", 0), ("49.99", -1),
                                           ("30.00", -1), ("29.99", -2), ("1", -2)])
def test_points_bands_at_their_edges(score, points):  # E-12 defaults
    assert r.performance_points(D(score)) == points


@pytest.mark.parametrize("total, level", [(0, "A"), (5, "A"), (-1, "B"), (-3, "B"), (-4, "C"), (-10, "C")])
def test_levels_at_their_thresholds(total, level):  # E-12: the never-evaluated (total 0) are at Α
    assert r.level_for(total) == level


def test_level_labels_are_greek_capitals():
    assert r.LEVEL_LABELS == {"A": "\u0391", "B": "\u0392", "C": "\u0393"}


def test_ranking_score():  # E-13
    assert r.ranking_score(D("80"), []) == D("80.00")  # no cycle: ΒΚ = ΒΕ
    assert r.ranking_score(D("80"), [D("60")]) == D("66.00")
    assert r.ranking_score(D("80"), [D("60"), D("70"), D("50")]) == D("66.00")
    assert r.ranking_score(D("75.73"), [D("62.59")]) == D("66.53")


@pytest.mark.parametrize("reports, size", [(0, 0), (1, 1), (5, 5), (6, 5), (25, 5), (26, 6), (30, 6), (31, 7),
                                           (100, 20)])
def test_sample_size(reports, size):  # default: all up to 5, else max(5, ⌈20 %⌉)
    assert r.sample_size(reports) == size


def test_sample_size_configurable():
    assert r.sample_size(10, all_up_to=2, minimum=3, share=50) == 5
    assert r.sample_size(3, all_up_to=2, minimum=5, share=10) == 3  # never more than there are


def test_sample_is_rederivable_from_the_seed():
    refs = [f"R{n:02d}" for n in range(12)]
    first = r.draw_sample("seed", "EMA000001", refs, 5)
    assert first == r.draw_sample("seed", "EMA000001", list(reversed(refs)), 5)
    assert len(set(first)) == 5 and set(first) <= set(refs)
    assert first != r.draw_sample("seed", "EMA000002", refs, 5) or first != r.draw_sample("other", "EMA000001", refs, 5)


@pytest.mark.parametrize("held_on, closed_on, ok", [
    ("2026-03-10", "2026-03-10", True),   # the day the cycle closed
    ("2026-03-09", "2026-03-10", False),  # before: no proposal existed yet
    ("2026-05-01", "2026-03-10", True),   # today
    ("2026-05-02", "2026-03-10", False),  # not held yet
    ("2026-01-01", None, True),           # a cycle without a closing time (older records)
])
def test_a_level_is_confirmed_in_a_session_held_after_the_cycle_closed(held_on, closed_on, ok):  # E-12
    import datetime as dt

    day = dt.date.fromisoformat
    assert r.session_may_confirm(day(held_on), day(closed_on) if closed_on else None, day("2026-05-01")) is ok
