"""Pure rules of the evaluator registry at their boundaries: E-1 eligibility, E-2
exclusions, E-7 entry score and the points table."""
import datetime as dt
from decimal import Decimal

import pytest

from app.rules import evaluators as r

D = dt.date
AEI = r.Degree("aei")


START = D(2015, 1, 1)


def months(n: int, start: dt.date = START) -> r.Period:
    """A period of exactly n calendar months."""
    index = r.month_index(start) + n - 1
    return r.Period(start, D(index // 12, index % 12 + 1, 1))


# --- E-1 ---------------------------------------------------------------------------------------

def test_e1_exactly_three_years_is_eligible_one_month_less_is_not():
    assert r.eligibility([AEI], [], [months(36)]) == []
    assert r.eligibility([AEI], [], [months(35)]) == ["experience_under_three_years"]


def test_e1_months_are_counted_inclusively():
    assert r.months_in_period(D(2020, 1, 1), D(2022, 12, 1)) == 36
    assert r.months_in_period(D(2020, 5, 1), D(2020, 5, 1)) == 1


def test_e1_overlapping_jobs_do_not_count_twice():
    assert r.covered_months([(D(2020, 1, 1), D(2021, 12, 1)), (D(2021, 1, 1), D(2022, 12, 1))]) == 36
    overlapping = [months(24), months(24, D(2016, 1, 1))]  # 2015-2016 and 2016-2017: 36 months
    assert r.eligibility([AEI], [], overlapping) == []
    same = [months(24), months(24)]
    assert r.eligibility([AEI], [], same) == ["experience_under_three_years"]


def test_e1_degree_kinds():
    assert r.eligibility([r.Degree("tei")], [], [months(36)]) == []
    assert r.eligibility([r.Degree("foreign", recognised=True)], [], [months(36)]) == []
    assert r.eligibility([r.Degree("foreign", recognised=False)], [], [months(36)]) == ["no_tertiary_degree"]
    assert r.eligibility([], [], [months(10)]) == ["no_tertiary_degree", "experience_under_three_years"]


def test_e1_related_postgraduate_with_exactly_one_year():
    related = r.Postgraduate("master", related_field=True)
    assert r.eligibility([], [related], [months(12)]) == []
    assert r.eligibility([], [related], [months(11)]) == ["experience_under_one_year"]
    unrelated = r.Postgraduate("phd", related_field=False)
    assert r.eligibility([], [unrelated], [months(12)]) == ["no_tertiary_degree", "experience_under_three_years"]
    # with a degree too, one year suffices through art. 3.2
    assert r.eligibility([AEI], [related], [months(12)]) == []


# --- E-2 ---------------------------------------------------------------------------------------

def no_exclusion(**kw):
    base = dict(general_director=False, ekepis_trainer=False, centre_relative=False, centre_relations=[])
    base.update(kw)
    return r.exclusions(**base)


def test_e2_no_exclusion():
    assert no_exclusion() == []
    assert no_exclusion(centre_relations=[r.CentreRelation(current=False, kind="owner")]) == []  # a past relation
    assert no_exclusion(centre_relations=[r.CentreRelation(current=True, kind="external")]) == []


@pytest.mark.parametrize("kind", sorted(r.EXCLUDING_RELATIONS))
def test_e2_current_relation_excludes(kind):
    assert no_exclusion(centre_relations=[r.CentreRelation(current=True, kind=kind)]) == ["centre_relation"]


def test_e2_every_reason_is_listed():
    assert no_exclusion(general_director=True, ekepis_trainer=True, centre_relative=True) == [
        "general_director", "centre_relative", "ekepis_trainer"]


# --- E-7 ---------------------------------------------------------------------------------------
P = r.Points()


def be1(**kw):
    base = dict(degrees=0, masters=0, phds=0, trainings=0, languages=0)
    base.update(kw)
    return r.qualification_score(P, **base)


def test_e7_degrees():
    assert be1() == Decimal("0.00")
    assert be1(degrees=1) == Decimal("20.00")
    assert be1(degrees=2) == Decimal("25.00")
    assert be1(degrees=3) == Decimal("25.00")  # further degrees: at most 5


def test_e7_postgraduate_training_and_languages_caps():
    assert be1(degrees=1, masters=1) == Decimal("30.00")
    assert be1(degrees=1, masters=2, phds=1) == Decimal("45.00")
    assert be1(trainings=1) == Decimal("5.00") and be1(trainings=2) == Decimal("5.00")
    assert be1(languages=1) == Decimal("2.50") and be1(languages=2) == Decimal("5.00")
    assert be1(languages=3) == Decimal("5.00")


def test_e7_be1_capped_at_50():
    assert be1(degrees=3, masters=1, phds=1, trainings=1, languages=2) == Decimal("50.00")


def test_e7_be2_rates_and_caps():
    assert r.experience_score(P, cofunded_months=10, professional_months=0) == Decimal("5.00")
    assert r.experience_score(P, cofunded_months=60, professional_months=0) == Decimal("30.00")
    assert r.experience_score(P, cofunded_months=61, professional_months=0) == Decimal("30.00")
    assert r.experience_score(P, cofunded_months=0, professional_months=Decimal("10.5")) == Decimal("2.63")
    assert r.experience_score(P, cofunded_months=0, professional_months=80) == Decimal("20.00")
    assert r.experience_score(P, cofunded_months=100, professional_months=100) == Decimal("50.00")


def test_e7_entry_score_formula_and_rounding():
    assert r.entry_score(50, 50, 100) == Decimal("100.00")
    assert r.entry_score(0, 0, 0) == Decimal("0.00")
    assert r.entry_score(Decimal("20"), Decimal("13.25"), Decimal("71.5")) == Decimal("48.55")
    assert r.entry_score(Decimal("0.01"), 0, 0) == Decimal("0.01")  # 0.006 rounds half up
    assert r.entry_score(10, 10, None) == Decimal("12.00")


def test_e7_points_table_checks():
    assert r.check_points(P) == []
    assert r.check_points(r.Points(qualification_max=Decimal("60"))) == ["caps_over_100"]
    assert r.check_points(r.Points(master=Decimal("-1"))) == ["master"]


# --- form I.2 checks ----------------------------------------------------------------------------

def test_person_months_consistent_with_the_period():
    assert r.person_months_ok(D(2020, 1, 1), D(2020, 12, 1), Decimal("12"))
    assert not r.person_months_ok(D(2020, 1, 1), D(2020, 12, 1), Decimal("12.1"))
    assert not r.person_months_ok(D(2020, 1, 1), D(2020, 12, 1), Decimal("0"))


def test_ranked_preferences_without_duplicates():
    assert r.ranking_problems([3, 1, 2]) == []
    assert r.ranking_problems([3, 1, 3]) == ["duplicate"]


def test_protocol_number_format():
    assert r.protocol_number(2026, 123) == "ΕΜΑ-2026/000123"


def test_training_counts_from_exactly_300_hours():
    assert r.trainings_counted([299, 300, 301]) == 2
    assert r.trainings_counted([]) == 0


def test_the_seventh_region_is_not_kept():
    """E-6/E-8: at most 6 regions, the first 6 by the evaluator's priority."""
    ranked = [(priority, f"R{priority}") for priority in (7, 3, 1, 2, 6, 5, 4)]
    assert r.kept_by_priority(ranked, r.MAX_REGIONS) == ["R1", "R2", "R3", "R4", "R5", "R6"]
    assert r.kept_by_priority(ranked[:5], r.MAX_GROUPS) == ["R1", "R2", "R3", "R6", "R7"]
    assert len(r.kept_by_priority([(p, p) for p in range(1, 7)], r.MAX_GROUPS)) == 5  # the 6th group is not


def test_equal_scores_share_a_rank():
    assert r.competition_ranks([Decimal("90"), Decimal("85.5"), Decimal("85.5"), Decimal("80")]) == [1, 2, 2, 4]
    assert r.competition_ranks([]) == []
