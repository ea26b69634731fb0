"""Rules of the committee's work on the evaluator registry (E-4, E-5, E-6, E-8, E-9),
standard library only.

app.committee feeds these functions plain values read from the database and turns the
problem codes they return into Greek messages; nothing here touches Flask or SQLAlchemy.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# E-4: at least once every 4 months, at most once every 2 months.
MIN_GAP_MONTHS = 2
MAX_GAP_MONTHS = 4
# E-4: requests filed at least 10 days before a session; files forwarded 5 days before.
FILING_DAYS = 10
FORWARD_DAYS = 5
# E-5: the four interview criteria, each marked 0–100 (seed 003 art. 5.3.β).
INTERVIEW_CRITERIA = ("breadth", "reach", "completeness", "participation")
MARK_MIN, MARK_MAX = 0, 100
# E-6: recognised thematic fields, target groups, regions.
MAX_FIELDS = 4
MAX_TARGET_GROUPS = 5
MAX_REGIONS = 6
# E-8: regions once a year, qualifications/experience once a semester.
REGIONS_EVERY_MONTHS = 12
QUALIFICATIONS_EVERY_MONTHS = 6

CENT = Decimal("0.01")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the month's last day
    (31 Oct + 4 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- E-4: session frequency and agenda cut-off ---------------------------------------

@dataclass(frozen=True)
class FrequencyWarning:
    """`code` is "too_soon" (less than 2 months from `other`) or "too_late" (more than
    4 months from `other`)."""

    code: str
    other: dt.date


def _gap_warning(earlier: dt.date, later: dt.date, other: dt.date) -> FrequencyWarning | None:
    if later < add_months(earlier, MIN_GAP_MONTHS):
        return FrequencyWarning("too_soon", other)
    if later > add_months(earlier, MAX_GAP_MONTHS):
        return FrequencyWarning("too_late", other)
    return None


def session_frequency_warnings(day: dt.date, others: Iterable[dt.date]) -> list[FrequencyWarning]:
    """E-4: warnings for a session on `day` against its neighbours among `others`
    (the other sessions' dates). Exactly 2 or exactly 4 months apart is fine."""
    others = sorted(others)
    before = [d for d in others if d <= day]  # another session the same day is too soon
    after = [d for d in others if d > day]
    warnings = []
    if before and (w := _gap_warning(before[-1], day, before[-1])):
        warnings.append(w)
    if after and (w := _gap_warning(day, after[0], after[0])):
        warnings.append(w)
    return warnings


def filing_cutoff(session_day: dt.date) -> dt.date:
    """E-4: the last filing day of a session's requests (10 days before it)."""
    return session_day - dt.timedelta(days=FILING_DAYS)


def forwarding_day(session_day: dt.date) -> dt.date:
    """E-4: the day the files are forwarded to the committee (5 days before)."""
    return session_day - dt.timedelta(days=FORWARD_DAYS)


def on_agenda(filed_on: dt.date, session_day: dt.date) -> bool:
    """E-4: a request filed at least 10 days before the session is examined there."""
    return filed_on <= filing_cutoff(session_day)


# --- E-5: interview ------------------------------------------------------------------

def mark_problems(marks: Mapping[str, object]) -> list[str]:
    """E-5: the criteria whose mark is missing, not a whole number or outside 0–100."""
    bad = []
    for criterion in INTERVIEW_CRITERIA:
        value = marks.get(criterion)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not (MARK_MIN <= value <= MARK_MAX) or Decimal(value) != Decimal(value).to_integral_value():
            bad.append(criterion)
    return bad


def interview_score(marks: Mapping[str, Any]) -> Decimal:
    """E-5: ΒΕ3 is the mean of the four interview marks, to two decimals."""
    if mark_problems(marks):
        raise ValueError("four whole marks 0–100 are needed")
    total = sum((Decimal(marks[c]) for c in INTERVIEW_CRITERIA), Decimal(0))
    return (total / len(INTERVIEW_CRITERIA)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- corrections of a decision (nothing is deleted; a new decision supersedes) ---------

# Ours (the decision leaves it open): the decision the committee may correct, into what,
# and the file's status after the correction.
DECISION_CORRECTIONS: dict[str, tuple[str, ...]] = {
    "not_admitted": ("in_principle",),  # admitted after all: examined again
    "in_principle": ("not_admitted",),  # not admitted after all
    "rejected": ("in_principle",),  # the rejection is annulled: examined again
    "enrolled": ("rejected",),  # the enrolment is annulled: out of the registry
}
STATUS_AFTER_CORRECTION = {"in_principle": "under_examination", "not_admitted": "rejected",
                           "rejected": "rejected"}


def decision_corrections(current: str | None) -> tuple[str, ...]:
    """The decisions that may replace `current` (none without a decision)."""
    return DECISION_CORRECTIONS.get(current or "", ())


def decision_correction_allowed(current: str | None, new: str) -> bool:
    return new in decision_corrections(current)


# --- E-6: recognition ----------------------------------------------------------------

def _unique(values: Iterable[Any]) -> list[Any]:
    seen, out = set(), []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def field_problems(chosen: Sequence[int]) -> list[str]:
    """E-6: the committee recognises at most 4 thematic fields, each once."""
    problems = []
    if len(set(chosen)) != len(chosen):
        problems.append("duplicate")
    if len(set(chosen)) > MAX_FIELDS:
        problems.append("too_many")
    return problems


def proposed_target_groups(
    degree_groups: Iterable[str],
    experience_groups: Iterable[str],
    group_experience: Iterable[str],
    preferred: Sequence[str] = (),
) -> list[str]:
    """E-6: target groups recognised automatically, at most 5. A group qualifies when any
    one of the three sources supports it: the subject of a verified degree (mapped to
    groups by reference data), verified professional experience, or experience with that
    group. Ours: qualifying groups the evaluator listed among their preferences come
    first, in the evaluator's order; then the others by code."""
    qualifying = set(degree_groups) | set(experience_groups) | set(group_experience)
    ordered = [g for g in _unique(preferred) if g in qualifying]
    ordered += sorted((g for g in qualifying if g not in ordered), key=_code_key)
    return ordered[:MAX_TARGET_GROUPS]


def _code_key(code: str) -> tuple[int, int, str]:
    return (0, int(code), code) if str(code).isdigit() else (1, 0, str(code))


def recognised_regions(preferences: Sequence[int]) -> list[int]:
    """E-6/E-8: at most 6 regions, the first 6 in the evaluator's own order (the 7th
    and later are dropped; a repeated region counts once)."""
    return _unique(preferences)[:MAX_REGIONS]


# --- E-8: modification requests ------------------------------------------------------

PERSONAL, REGIONS, QUALIFICATIONS = "personal", "regions", "qualifications"
EVERY_MONTHS = {REGIONS: REGIONS_EVERY_MONTHS, QUALIFICATIONS: QUALIFICATIONS_EVERY_MONTHS}


def next_allowed_filing(kind: str, previous_filed: Iterable[dt.date]) -> dt.date | None:
    """E-8: the first day a request of `kind` may be filed again after the earlier
    ones (None: no limit, or no earlier request)."""
    months = EVERY_MONTHS.get(kind)
    previous = list(previous_filed)
    if months is None or not previous:
        return None
    return add_months(max(previous), months)


def filing_allowed(kind: str, filed_on: dt.date, previous_filed: Iterable[dt.date]) -> bool:
    """E-8: regions at most once a year, qualifications/experience at most once a
    semester (exactly a year / six months later is allowed); personal data any time."""
    allowed = next_allowed_filing(kind, previous_filed)
    return allowed is None or filed_on >= allowed


def forwardable(document_ids: Iterable[int], rejected_document_ids: Iterable[Iterable[int]]) -> bool:
    """E-8: a request like one already rejected is forwarded again only with new
    documents, i.e. at least one document none of the rejected requests had."""
    rejected = [set(ids) for ids in rejected_document_ids]
    if not rejected:
        return True
    seen = set().union(*rejected)
    return bool(set(document_ids) - seen)


@dataclass(frozen=True)
class OpenRequest:
    id: int
    kind: str
    filed_at: dt.datetime


def superseded(requests: Iterable[OpenRequest]) -> set[int]:
    """E-8: among open requests of the same kind (they conflict), the newest wins; the
    others are superseded. Same filing time: the later id wins."""
    newest: dict[str, OpenRequest] = {}
    all_requests = list(requests)
    for r in all_requests:
        current = newest.get(r.kind)
        if current is None or (r.filed_at, r.id) > (current.filed_at, current.id):
            newest[r.kind] = r
    return {r.id for r in all_requests if newest[r.kind].id != r.id}


# --- E-9: selection ------------------------------------------------------------------

FIELD, GROUP, REGION = "field", "group", "region"
CRITERION_KINDS = (FIELD, GROUP, REGION)


@dataclass(frozen=True)
class Criterion:
    """One of a body's criteria, in the body's priority order: a thematic field, a
    target group or a region (by id)."""

    kind: str
    value: int


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    score: Decimal | None  # ΒΕ or ΒΚ, as the request says
    fields: frozenset[int] = frozenset()
    groups: frozenset[int] = frozenset()
    regions: frozenset[int] = frozenset()
    active: bool = True  # enrolled, not inactive (E-2)
    level_c: bool = False  # level Γ (E-12)
    special_service: bool = False  # heads/staffs the programme's special service
    body_relation: bool = False  # declared a relation with the applicant body
    past_selections: int = 0


@dataclass
class Ranked:
    candidate: Candidate
    met: tuple[bool, ...]
    draw: str
    rank: int = 0
    selected: bool = False


@dataclass
class Selection:
    ranked: list[Ranked] = field(default_factory=list)
    excluded: list[tuple[Candidate, list[str]]] = field(default_factory=list)


def meets(candidate: Candidate, criterion: Criterion) -> bool:
    pool = {FIELD: candidate.fields, GROUP: candidate.groups, REGION: candidate.regions}[criterion.kind]
    return criterion.value in pool


def exclusion_reasons(candidate: Candidate) -> list[str]:
    """E-9: never selected: inactive, level Γ, heads/staff of the special service whose
    work is the programme evaluated; ours: a declared relation with the applicant body."""
    reasons = []
    if not candidate.active:
        reasons.append("inactive")
    if candidate.level_c:
        reasons.append("level_c")
    if candidate.special_service:
        reasons.append("special_service")
    if candidate.body_relation:
        reasons.append("body_relation")
    return reasons


def draw_value(seed: str, candidate_id: int) -> str:
    """The recorded random draw that breaks the last ties: SHA-256 of the run's seed and
    the evaluator's id, so anyone holding the seed recomputes it."""
    return hashlib.sha256(f"{seed}:{candidate_id}".encode()).hexdigest()


def rank_key(item: Ranked) -> tuple[Any, ...]:
    """E-9: criteria met in the body's priority order (lexicographically), then the
    higher score, then fewer past selections (rotation), then the draw."""
    score = item.candidate.score if item.candidate.score is not None else Decimal("-1")
    return (tuple(not m for m in item.met), -score, item.candidate.past_selections, item.draw)


def select(
    candidates: Iterable[Candidate],
    criteria: Sequence[Criterion],
    wanted: int,
    seed: str,
    min_score: Decimal | None = None,
) -> Selection:
    """E-9: the nominal table for a body's request. Matching (ours): the score is at
    least `min_score` (when given) and, when criteria are given, at least one is met.
    Matching evaluators who are never selectable go to the auxiliary table with their
    reasons. The first `wanted` ranked evaluators are the selected ones."""
    result = Selection()
    for c in candidates:
        if min_score is not None and (c.score is None or c.score < min_score):
            continue
        met = tuple(meets(c, k) for k in criteria)
        if criteria and not any(met):
            continue
        reasons = exclusion_reasons(c)
        if reasons:  # would match, but is kept out: the auxiliary table says why
            result.excluded.append((c, reasons))
            continue
        result.ranked.append(Ranked(c, met, draw_value(seed, c.id)))
    result.ranked.sort(key=rank_key)
    for position, item in enumerate(result.ranked, start=1):
        item.rank = position
        item.selected = position <= wanted
    result.excluded.sort(key=lambda pair: (pair[0].name, pair[0].id))
    return result
