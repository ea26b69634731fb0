"""The committee's rules (E-4, E-5, E-6, E-8, E-9) at their boundaries."""
import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from app.rules import committee as rules
from app.rules.committee import Candidate, Criterion, OpenRequest

D = dt.date


# E-4 -----------------------------------------------------------------------------------

def test_add_months_clamps_to_month_end():
    assert rules.add_months(D(2026, 10, 31), 4) == D(2027, 2, 28)
    assert rules.add_months(D(2027, 10, 31), 4) == D(2028, 2, 29)
    assert rules.add_months(D(2026, 11, 15), 2) == D(2027, 1, 15)
    assert rules.add_months(D(2026, 1, 15), -2) == D(2025, 11, 15)


def test_e4_exactly_two_months_is_allowed_one_day_less_warns():
    previous = D(2026, 1, 15)
    assert rules.session_frequency_warnings(D(2026, 3, 15), [previous]) == []
    (w,) = rules.session_frequency_warnings(D(2026, 3, 14), [previous])
    assert (w.code, w.other) == ("too_soon", previous)


def test_e4_exactly_four_months_is_allowed_one_day_more_warns():
    previous = D(2026, 1, 15)
    assert rules.session_frequency_warnings(D(2026, 5, 15), [previous]) == []
    (w,) = rules.session_frequency_warnings(D(2026, 5, 16), [previous])
    assert (w.code, w.other) == ("too_late", previous)


def test_e4_checks_the_next_session_too_and_only_the_neighbours():
    others = [D(2025, 1, 1), D(2026, 1, 15), D(2026, 4, 1)]
    warnings = rules.session_frequency_warnings(D(2026, 3, 1), others)
    # 15 Jan → 1 Mar is 1.5 months (too soon); 1 Mar → 1 Apr is 1 month (too soon);
    # the far-away 2025 session is not a neighbour.
    assert [(w.code, w.other) for w in warnings] == [("too_soon", D(2026, 1, 15)), ("too_soon", D(2026, 4, 1))]
    (w,) = rules.session_frequency_warnings(D(2026, 1, 15), [D(2026, 1, 15)])
    assert w.code == "too_soon"  # two sessions the same day
    assert rules.session_frequency_warnings(D(2026, 1, 15), []) == []


def test_e4_agenda_cutoff_ten_days_and_forwarding_five_days():
    session = D(2026, 3, 20)
    assert rules.filing_cutoff(session) == D(2026, 3, 10)
    assert rules.forwarding_day(session) == D(2026, 3, 15)
    assert rules.on_agenda(D(2026, 3, 10), session)  # exactly 10 days before
    assert not rules.on_agenda(D(2026, 3, 11), session)  # 9 days before


# E-5 -----------------------------------------------------------------------------------

def marks(a, b, c, d):
    return dict(zip(rules.INTERVIEW_CRITERIA, (a, b, c, d), strict=True))


def test_e5_interview_score_is_the_mean_of_four_marks():
    assert rules.interview_score(marks(70, 80, 90, 65)) == Decimal("76.25")
    assert rules.interview_score(marks(0, 0, 0, 0)) == Decimal("0.00")
    assert rules.interview_score(marks(100, 100, 100, 100)) == Decimal("100.00")
    assert rules.interview_score(marks(33, 33, 33, 34)) == Decimal("33.25")


@pytest.mark.parametrize("bad", [-1, 101, None, "80", 80.5, True])
def test_e5_marks_outside_0_100_or_not_whole_are_refused(bad):
    assert rules.mark_problems(marks(50, bad, 50, 50)) == ["reach"]
    with pytest.raises(ValueError):
        rules.interview_score(marks(50, bad, 50, 50))


# E-6 -----------------------------------------------------------------------------------

def test_e6_four_fields_allowed_the_fifth_refused():
    assert rules.field_problems([1, 2, 3, 4]) == []
    assert rules.field_problems([1, 2, 3, 4, 5]) == ["too_many"]
    assert rules.field_problems([1, 1]) == ["duplicate"]


def test_e6_target_groups_from_any_source_at_most_five():
    # one source each suffices
    assert rules.proposed_target_groups(["3"], [], []) == ["3"]
    assert rules.proposed_target_groups([], ["4"], []) == ["4"]
    assert rules.proposed_target_groups([], [], ["12"]) == ["12"]
    five = rules.proposed_target_groups(["1", "2"], ["3"], ["4", "5"])
    assert five == ["1", "2", "3", "4", "5"]
    # the 6th qualifying group is dropped; preferred ones come first in the evaluator's order
    six = rules.proposed_target_groups(["1", "2", "10"], ["3"], ["4", "5"], preferred=["10", "7", "5"])
    assert six == ["10", "5", "1", "2", "3"]
    assert len(six) == rules.MAX_TARGET_GROUPS


def test_e6_regions_first_six_in_the_evaluators_order_the_seventh_dropped():
    assert rules.recognised_regions([5, 3, 1, 2, 4, 6]) == [5, 3, 1, 2, 4, 6]
    assert rules.recognised_regions([5, 3, 1, 2, 4, 6, 7]) == [5, 3, 1, 2, 4, 6]
    assert rules.recognised_regions([5, 5, 3]) == [5, 3]


# E-8 -----------------------------------------------------------------------------------

def test_e8_regions_once_a_year():
    last = D(2025, 6, 1)
    assert rules.filing_allowed("regions", D(2026, 6, 1), [last])  # exactly a year
    assert not rules.filing_allowed("regions", D(2026, 5, 31), [last])
    assert rules.filing_allowed("regions", D(2026, 5, 31), [])
    assert rules.next_allowed_filing("regions", [D(2024, 1, 1), last]) == D(2026, 6, 1)


def test_e8_qualifications_once_a_semester_personal_any_time():
    last = D(2026, 1, 31)
    assert rules.filing_allowed("qualifications", D(2026, 7, 31), [last])  # exactly six months
    assert not rules.filing_allowed("qualifications", D(2026, 7, 30), [last])
    assert rules.filing_allowed("personal", D(2026, 2, 1), [last, D(2026, 1, 31)])
    assert rules.next_allowed_filing("personal", [last]) is None


def test_e8_rejected_request_not_forwarded_without_new_documents():
    assert rules.forwardable([1, 2], [])
    assert not rules.forwardable([1, 2], [[1, 2, 3]])
    assert not rules.forwardable([], [[1]])
    assert rules.forwardable([1, 9], [[1, 2], [3]])


def test_e8_newest_conflicting_request_wins():
    t = dt.datetime(2026, 1, 1, 10)
    open_ = [
        OpenRequest(1, "regions", t),
        OpenRequest(2, "regions", t + dt.timedelta(days=1)),
        OpenRequest(3, "personal", t),
        OpenRequest(4, "regions", t + dt.timedelta(days=1)),  # same time as 2: later id wins
    ]
    assert rules.superseded(open_) == {1, 2}
    assert rules.superseded([OpenRequest(5, "personal", t)]) == set()


# E-9 -----------------------------------------------------------------------------------

def cand(id_, score, fields=(), groups=(), regions=(), **kw):
    return Candidate(id_, f"E{id_}", None if score is None else Decimal(score), frozenset(fields),
                     frozenset(groups), frozenset(regions), **kw)


def test_e9_lexicographic_by_criteria_in_priority_order_then_score():
    criteria = [Criterion("field", 6), Criterion("region", 1)]
    pool = [
        cand(1, "90", regions=[1]),  # misses the first criterion: after every field-6 one
        cand(2, "50", fields=[6]),
        cand(3, "40", fields=[6], regions=[1]),  # meets both: first despite the low score
        cand(4, "70", fields=[6]),
        cand(5, "99"),  # meets none: not in the table
    ]
    result = rules.select(pool, criteria, wanted=2, seed="s")
    assert [r.candidate.id for r in result.ranked] == [3, 4, 2, 1]
    assert [r.rank for r in result.ranked] == [1, 2, 3, 4]
    assert [r.selected for r in result.ranked] == [True, True, False, False]
    assert result.ranked[0].met == (True, True)


def test_e9_equal_scores_fewer_past_selections_then_recorded_draw():
    pool = [cand(1, "80", past_selections=2), cand(2, "80", past_selections=0),
            cand(3, "80", past_selections=1), cand(4, "80", past_selections=1)]
    result = rules.select(pool, [], wanted=4, seed="seed-1")
    ids = [r.candidate.id for r in result.ranked]
    assert ids[0] == 2 and ids[-1] == 1
    draw = {i: hashlib.sha256(f"seed-1:{i}".encode()).hexdigest() for i in (3, 4)}
    assert ids[1:3] == sorted((3, 4), key=draw.get)
    assert result.ranked[1].draw == draw[ids[1]]
    # another seed may order the tied pair differently, but never the others
    other = [r.candidate.id for r in rules.select(pool, [], 4, seed="seed-2").ranked]
    assert other[0] == 2 and other[-1] == 1


def test_e9_minimum_score_boundary_and_missing_score():
    pool = [cand(1, "70.00"), cand(2, "69.99"), cand(3, None)]
    result = rules.select(pool, [], wanted=5, seed="s", min_score=Decimal("70"))
    assert [r.candidate.id for r in result.ranked] == [1]


def test_e9_exclusions_listed_with_reasons():
    pool = [cand(1, "95", [6], active=False), cand(2, "95", [6], level_c=True),
            cand(3, "95", [6], special_service=True, body_relation=True), cand(4, "10", [6]),
            cand(5, "95", [1], active=False)]  # would not match anyway: in neither table
    result = rules.select(pool, [Criterion("field", 6)], wanted=5, seed="s")
    assert [r.candidate.id for r in result.ranked] == [4]
    assert [(c.id, reasons) for c, reasons in result.excluded] == [
        (1, ["inactive"]), (2, ["level_c"]), (3, ["special_service", "body_relation"])]
