"""The evaluator registry's rules as plain Python (no Flask, no database).

E-1 eligibility, E-2 exclusions, E-7 entry score (ΒΕ1, ΒΕ2 from an editable points
table because Annex IV is missing). The services turn the registry file into these
plain values; the set-based recomputation in SQL (app.evaluators) is tested against
these functions."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MIN_TRAINING_HOURS = 300  # art. 4α: postgraduate training of at least 300 hours
ELIGIBLE_MONTHS = 36  # E-1 art. 3.1β: at least three years in total
ELIGIBLE_MONTHS_POSTGRADUATE = 12  # E-1 art. 3.2: at least one year with a related master/PhD
COFUNDED_YEARS = 5  # section 11: experience in co-funded actions in the last five years
PERSON_MONTHS_PER_MONTH = Decimal("1")  # a person-month cannot exceed a calendar month of work
MAX_FIELDS, MAX_GROUPS, MAX_REGIONS = 4, 5, 6  # E-6 recognition limits (committee)

# E-2: a *current* relation of these kinds with a training centre excludes (art. 3.3β:
# owners, shareholders, partners, board members, dependent employment).
EXCLUDING_RELATIONS = frozenset({"owner", "shareholder", "partner", "board_member", "director",
                                 "training_director", "employee"})
RECOGNISED_DEGREE_KINDS = frozenset({"aei", "tei"})


def _money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def months_in_period(start: dt.date, end: dt.date) -> int:
    """Calendar months from the start month to the end month, both included
    (January–December of one year = 12)."""
    return month_index(end) - month_index(start) + 1


def covered_months(periods: Iterable[tuple[dt.date, dt.date]]) -> int:
    """Months covered by at least one period: overlapping jobs do not count twice (E-1
    speaks of total experience, not of the sum of concurrent jobs)."""
    months: set[int] = set()
    for start, end in periods:
        months.update(range(month_index(start), month_index(end) + 1))
    return len(months)


# --- E-1 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Degree:
    kind: str  # aei / tei / foreign
    recognised: bool = False  # ΔΙΚΑΤΣΑ / ΔΟΑΤΑΠ recognition of a foreign degree


@dataclass(frozen=True)
class Postgraduate:
    level: str  # master / phd
    related_field: bool = False  # related to one of the 9 thematic fields (judged by the committee)


@dataclass(frozen=True)
class Period:
    """One experience row that counts for E-1: co-funded actions / HR studies, teaching a
    related subject, or professional activity related to the degree."""

    start: dt.date
    end: dt.date


def degree_counts(degree: Degree) -> bool:
    return degree.kind in RECOGNISED_DEGREE_KINDS or (degree.kind == "foreign" and degree.recognised)


def eligibility(degrees: Iterable[Degree], postgraduates: Iterable[Postgraduate],
                experience: Iterable[Period]) -> list[str]:
    """E-1: the reasons a candidate is not eligible; empty when eligible.
    Art. 3.1: a tertiary degree AND ≥ 3 years of experience; alternatively (art. 3.2)
    a master's/PhD related to a thematic field AND ≥ 1 year of experience."""
    months = covered_months((p.start, p.end) for p in experience)
    has_degree = any(degree_counts(d) for d in degrees)
    has_related_postgraduate = any(p.related_field for p in postgraduates)
    if has_degree and months >= ELIGIBLE_MONTHS:
        return []
    if has_related_postgraduate and months >= ELIGIBLE_MONTHS_POSTGRADUATE:
        return []
    if not has_degree and not has_related_postgraduate:
        return ["no_tertiary_degree"] + (["experience_under_three_years"] if months < ELIGIBLE_MONTHS else [])
    if not has_degree:
        return ["experience_under_one_year"]  # a related master's/PhD needs a year
    return ["experience_under_three_years"]


# --- E-2 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CentreRelation:
    current: bool
    kind: str


def exclusions(*, general_director: bool, ekepis_trainer: bool, centre_relative: bool,
               centre_relations: Iterable[CentreRelation]) -> list[str]:
    """E-2 (art. 3.3): the reasons a person is excluded; empty when none applies."""
    reasons = []
    if general_director:
        reasons.append("general_director")
    if any(r.current and r.kind in EXCLUDING_RELATIONS for r in centre_relations):
        reasons.append("centre_relation")
    if centre_relative:
        reasons.append("centre_relative")
    if ekepis_trainer:
        reasons.append("ekepis_trainer")
    return reasons


# --- E-7 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """The ΒΕ1/ΒΕ2 points table (models.evaluators.ScoringTable); these are the defaults."""

    first_degree: Decimal = Decimal("20")
    further_degree: Decimal = Decimal("5")
    further_degree_max: Decimal = Decimal("5")
    master: Decimal = Decimal("10")
    phd: Decimal = Decimal("15")
    training: Decimal = Decimal("5")
    training_max: Decimal = Decimal("5")
    language: Decimal = Decimal("2.5")
    language_max: Decimal = Decimal("5")
    qualification_max: Decimal = Decimal("50")
    cofunded_per_month: Decimal = Decimal("0.5")
    cofunded_max: Decimal = Decimal("30")
    professional_per_month: Decimal = Decimal("0.25")
    professional_max: Decimal = Decimal("20")
    experience_max: Decimal = Decimal("50")


POINTS_FIELDS = tuple(Points.__dataclass_fields__)


def check_points(points: Points) -> list[str]:
    """E-7: every value ≥ 0 and ΒΕ1 + ΒΕ2 capped at 100, so ΒΕ stays on 0–100."""
    problems = [name for name in POINTS_FIELDS if Decimal(getattr(points, name)) < 0]
    if points.qualification_max + points.experience_max > 100:
        problems.append("caps_over_100")
    return problems


def qualification_score(points: Points, *, degrees: int, masters: int, phds: int,
                        trainings: int, languages: int) -> Decimal:
    """ΒΕ1: `degrees` counting tertiary degrees; `masters`/`phds` (scored once each);
    `trainings` of ≥ 300 h; `languages` at excellent level with a recognised title."""
    score = Decimal(0)
    if degrees > 0:
        score += points.first_degree + min(points.further_degree * (degrees - 1), points.further_degree_max)
    if masters > 0:
        score += points.master
    if phds > 0:
        score += points.phd
    score += min(points.training * trainings, points.training_max)
    score += min(points.language * languages, points.language_max)
    return _money(min(score, points.qualification_max))


def experience_score(points: Points, *, cofunded_months: Decimal | int,
                     professional_months: Decimal | int) -> Decimal:
    """ΒΕ2: co-funded/HR experience per month, related professional experience per person-month."""
    cofunded = min(points.cofunded_per_month * Decimal(cofunded_months), points.cofunded_max)
    professional = min(points.professional_per_month * Decimal(professional_months), points.professional_max)
    return _money(min(cofunded + professional, points.experience_max))


def entry_score(be1: Decimal | float | int, be2: Decimal | float | int,
                be3: Decimal | float | int | None) -> Decimal:
    """E-7: ΒΕ = 0.60 × (ΒΕ1 + ΒΕ2) + 0.40 × ΒΕ3, rounded half up to two decimals."""
    interview = Decimal(str(be3)) if be3 is not None else Decimal(0)
    return _money(Decimal("0.60") * (Decimal(str(be1)) + Decimal(str(be2))) + Decimal("0.40") * interview)


def trainings_counted(hours: Iterable[int]) -> int:
    """ΒΕ1: postgraduate training counts from exactly 300 hours (art. 4α)."""
    return sum(1 for h in hours if h >= MIN_TRAINING_HOURS)


def kept_by_priority(ranked: Iterable[tuple[int, Any]], limit: int) -> list[Any]:
    """E-6/E-8: of (priority, choice) pairs, the first `limit` choices by priority
    (regions ≤ 6, target groups ≤ 5, thematic fields ≤ 4)."""
    return [choice for _, choice in sorted(ranked, key=lambda pair: pair[0])[:limit]]


def competition_ranks(scores: list[Decimal]) -> list[int]:
    """E-14: ranks of scores already sorted descending; equal scores share a rank (1, 2, 2, 4)."""
    ranks: list[int] = []
    for n, score in enumerate(scores, 1):
        ranks.append(ranks[-1] if ranks and scores[n - 2] == score else n)
    return ranks


# --- Form I.2 checks used by the service ----------------------------------------------


def ranking_problems(choices: list[int]) -> list[str]:
    """Ranked preferences: no duplicates."""
    return ["duplicate"] if len(set(choices)) != len(choices) else []


def person_months_ok(start: dt.date, end: dt.date, person_months: Decimal) -> bool:
    """Person-months are > 0 and no more than the months of the period allow."""
    return Decimal(0) < person_months <= months_in_period(start, end) * PERSON_MONTHS_PER_MONTH


def protocol_number(year: int, value: int) -> str:
    """E-3: ΕΜΑ-2026/000123."""
    return f"ΕΜΑ-{year}/{value:06d}"
