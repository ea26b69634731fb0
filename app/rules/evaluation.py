"""Evaluation of evaluators as plain arithmetic (E-10…E-13): no Flask, no database.

Scores are Decimals rounded half-up to 2 places, the precision they are stored at.
Annex IV (conversion, thresholds, weights) is missing from our copy of decision
112501/2004: every table here is a default the committee edits.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

MARK_MIN, MARK_MAX = 1, 100  # E-10: every criterion is on 1–100
ATTITUDE_CRITERIA = ("interest", "organisation", "time_management", "cooperativeness")  # axis i
REPORT_CRITERIA = ("commentary", "clarity", "consistency", "usefulness")  # axis ii
DEFAULT_REPORT_WEIGHTS = dict.fromkeys(REPORT_CRITERIA, 25)  # per cent, editable per cycle
DEFAULT_GRADER_WEIGHTS = (50, 50)  # chair, independent assessor (per cent)
ATTITUDE_WEIGHT, REPORTS_WEIGHT = Decimal("0.25"), Decimal("0.75")  # E-11
ENTRY_WEIGHT, PERFORMANCE_WEIGHT = Decimal("0.3"), Decimal("0.7")  # E-13
# E-12 defaults: (lowest ΒΑ of the band, performance points ΜΑ), highest band first.
DEFAULT_POINT_BANDS = ((70, 1), (50, 0), (30, -1), (0, -2))
# E-12 defaults: (level, lowest total ΜΑ); below the last threshold: Γ.
DEFAULT_LEVEL_THRESHOLDS = (("A", 0), ("B", -3))
LEVEL_LABELS = {"A": "Α", "B": "Β", "C": "Γ"}  # Greek capital letters, everywhere
SAMPLE_ALL_UP_TO, SAMPLE_MIN, SAMPLE_SHARE = 5, 5, 20  # axis-ii sample defaults
CENT = Decimal("0.01")


def q2(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def check_mark(value: int | None) -> bool:
    """E-10: a mark is an integer on 1–100."""
    return value is not None and MARK_MIN <= value <= MARK_MAX


def mean(values: Sequence[Decimal | int]) -> Decimal:
    if not values:
        raise ValueError("mean of nothing")
    return q2(sum(Decimal(v) for v in values) / len(values))


def attitude_score(marks: Sequence[int]) -> Decimal:
    """ΒΑi: the mean of the four axis-i marks (E-10)."""
    if len(marks) != len(ATTITUDE_CRITERIA) or not all(check_mark(m) for m in marks):
        raise ValueError("four marks on 1–100 expected")
    return mean(marks)


def weighted_mark(marks: Mapping[str, int], weights: Mapping[str, int | Decimal]) -> Decimal:
    """One grader's mark of one report: the weighted mean of the four criteria (E-10)."""
    total = sum(Decimal(weights[c]) for c in REPORT_CRITERIA)
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    if not all(check_mark(marks[c]) for c in REPORT_CRITERIA):
        raise ValueError("four marks on 1–100 expected")
    return q2(sum(Decimal(weights[c]) * marks[c] for c in REPORT_CRITERIA) / total)


def report_score(chair: Decimal, assessor: Decimal, chair_weight: int | Decimal = 50,
                 assessor_weight: int | Decimal = 50) -> Decimal:
    """One sampled report: the chair's and the independent assessor's marks, weighted."""
    total = Decimal(chair_weight) + Decimal(assessor_weight)
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    return q2((Decimal(chair_weight) * chair + Decimal(assessor_weight) * assessor) / total)


def reports_score(report_scores: Sequence[Decimal]) -> Decimal:
    """ΒΑii: the mean over the sampled reports (E-10)."""
    return mean(report_scores)


def performance_score(attitude: Decimal, reports: Decimal) -> Decimal:
    """ΒΑ = 0.25 × ΒΑi + 0.75 × ΒΑii (E-11)."""
    return q2(ATTITUDE_WEIGHT * attitude + REPORTS_WEIGHT * reports)


def performance_points(score: Decimal, bands: Iterable[tuple[int | Decimal, int]] = DEFAULT_POINT_BANDS) -> int:
    """ΜΑ of one ΒΑ (E-12): the points of the highest band whose lower bound it reaches."""
    for lowest, points in sorted(bands, key=lambda b: Decimal(b[0]), reverse=True):
        if score >= Decimal(lowest):
            return points
    raise ValueError(f"no band for {score}")


def level_for(total_points: int, thresholds: Iterable[tuple[str, int]] = DEFAULT_LEVEL_THRESHOLDS) -> str:
    """Level by total ΜΑ (E-12): the first level whose threshold is reached, else Γ.
    With no cycle the total is 0, so the never-evaluated are at Α."""
    for level, lowest in sorted(thresholds, key=lambda t: t[1], reverse=True):
        if total_points >= lowest:
            return level
    return "C"


def ranking_score(entry: Decimal, performance: Sequence[Decimal]) -> Decimal:
    """ΒΚₙ = 0.3 × ΒΕ + 0.7 × mean(ΒΑ₁…ΒΑₙ); ΒΚ = ΒΕ with no cycle (E-13)."""
    if not performance:
        return q2(entry)
    return q2(ENTRY_WEIGHT * Decimal(entry) + PERFORMANCE_WEIGHT * (sum(performance) / Decimal(len(performance))))


def sample_size(reports: int, all_up_to: int = SAMPLE_ALL_UP_TO, minimum: int = SAMPLE_MIN,
                share: int = SAMPLE_SHARE) -> int:
    """How many of an evaluator's reports are graded (E-10 axis ii): all of them up to
    `all_up_to`, else max(minimum, ⌈share % of them⌉), never more than there are."""
    if reports <= all_up_to:
        return reports
    return min(reports, max(minimum, math.ceil(reports * share / 100)))


def draw_sample(seed: str, registry_no: str, references: Iterable[str], size: int) -> list[str]:
    """The sampled reports of one evaluator, re-derivable by anyone from the cycle's
    recorded seed: Python's Mersenne Twister seeded with "<seed>:<registry no>" samples
    `size` of the report references sorted as text; the result is sorted."""
    pool = sorted(set(references))
    return sorted(random.Random(f"{seed}:{registry_no}").sample(pool, size))


def session_may_confirm(held_on: dt.date, cycle_closed_on: dt.date | None, today: dt.date) -> bool:
    """E-12: the committee confirms a proposed level in one of its sessions, held once the
    cycle had closed (the proposal exists only then) and not later than today (the
    confirmation is recorded now)."""
    return (cycle_closed_on is None or cycle_closed_on <= held_on) and held_on <= today
