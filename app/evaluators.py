"""The evaluator registry's services (E-1…E-3, E-7, E-14): the candidate's file (form
I.2), its checks and submission with a protocol number, the E-7 points table and the
set-based recomputation of ΒΕ, enrolment and E-2 deactivation, the nominal table and the
help desk's search. Views call these; decisions and commits live here."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from flask import current_app, render_template
from flask_babel import force_locale, gettext, lazy_gettext as _l
from sqlalchemy import String, and_, bindparam, case, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app import audit, jobs, mail
from app.clock import local_now
from app.errors import Refused
from app.rules import evaluators as rules
from app.rules.identifiers import afm_is_valid
from models.evaluators import (CentreRelationKind, DegreeKind, DocumentKind, EmploymentForm, Evaluator,
                               EvaluatorCentreRelation, EvaluatorCofundedExperience, EvaluatorDegree, EvaluatorFieldPreference,
                               EvaluatorGroupPreference, EvaluatorLanguage, EvaluatorPostgraduate,
                               EvaluatorProfessionalExperience, EvaluatorRegionPreference, EvaluatorStatus,
                               EvaluatorStatusChange, EvaluatorTraining, Gender, LanguageLevel, PostgraduateLevel,
                               ProtocolCounter, RegistrationRequest, ScoringTable, SupportingDocument,
                               Verification)
from models.mixins import utcnow
from models.reference import Region, TargetGroup, ThematicField
from models.users import AppUser

log = logging.getLogger(__name__)

STATUS_LABELS = {
    EvaluatorStatus.draft: _l("Draft"),
    EvaluatorStatus.submitted: _l("Submitted"),
    EvaluatorStatus.under_examination: _l("Under examination"),
    EvaluatorStatus.enrolled: _l("Enrolled"),
    EvaluatorStatus.rejected: _l("Rejected"),
    EvaluatorStatus.inactive: _l("Inactive"),
}
ELIGIBILITY_LABELS = {  # E-1
    "no_tertiary_degree": _l("No tertiary degree (ΑΕΙ/ΤΕΙ or recognised foreign) and no master's/PhD "
                             "related to a thematic field."),
    "experience_under_three_years": _l("Less than three years of relevant experience in total."),
    "experience_under_one_year": _l("With a related master's/PhD only: less than one year of experience."),
}
EXCLUSION_LABELS = {  # E-2
    "general_director": _l("General director of the Ministry."),
    "centre_relation": _l("Owner, shareholder, partner, board member or employee of a training centre."),
    "centre_relative": _l("Relative up to the 3rd degree of an owner or director of a training centre."),
    "ekepis_trainer": _l("Member of the ΕΚΕΠΙΣ trainers' registry."),
}
PROVISIONAL = (EvaluatorStatus.draft, EvaluatorStatus.submitted, EvaluatorStatus.under_examination)
VERIFIED = (Verification.confirmed, Verification.recoded)
DOCUMENT_TYPES = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
VERIFIABLE_ROWS = (EvaluatorDegree, EvaluatorPostgraduate, EvaluatorTraining, EvaluatorLanguage,
                   EvaluatorCofundedExperience, EvaluatorProfessionalExperience)
PREFERENCES = ((EvaluatorFieldPreference, "thematic_field_id", ThematicField),
               (EvaluatorGroupPreference, "target_group_id", TargetGroup),
               (EvaluatorRegionPreference, "region_id", Region))
FILE_ROWS = (EvaluatorCentreRelation, *VERIFIABLE_ROWS, EvaluatorFieldPreference, EvaluatorGroupPreference,
             EvaluatorRegionPreference)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POSTCODE = re.compile(r"^\d{5}$")
PHONE = re.compile(r"^\+?[0-9 ]{10,15}$")


ENUM_LABELS: dict[type, dict[Any, Any]] = {
    Gender: {Gender.male: _l("Male"), Gender.female: _l("Female")},
    EmploymentForm: {EmploymentForm.employer: _l("Employer"), EmploymentForm.employee: _l("Employee"),
                     EmploymentForm.self_employed: _l("Self-employed")},
    Verification: {Verification.pending: _l("Pending"), Verification.confirmed: _l("Confirmed"),
                   Verification.recoded: _l("Re-coded by the committee"),
                   Verification.not_confirmed: _l("Not confirmed")},
    DegreeKind: {DegreeKind.aei: _l("University (ΑΕΙ)"), DegreeKind.tei: _l("Technological institute (ΤΕΙ)"),
                 DegreeKind.foreign: _l("Foreign institution")},
    PostgraduateLevel: {PostgraduateLevel.master: _l("Master's"), PostgraduateLevel.phd: _l("Doctorate")},
    LanguageLevel: {LanguageLevel.excellent: _l("Excellent"), LanguageLevel.good: _l("Good"),
                    LanguageLevel.fair: _l("Fair")},
    CentreRelationKind: {CentreRelationKind.owner: _l("Owner"), CentreRelationKind.shareholder: _l("Shareholder"),
                         CentreRelationKind.partner: _l("Partner"),
                         CentreRelationKind.board_member: _l("Board member"),
                         CentreRelationKind.director: _l("Director"),
                         CentreRelationKind.training_director: _l("Training director"),
                         CentreRelationKind.employee: _l("Employee"),
                         CentreRelationKind.external: _l("External associate"),
                         CentreRelationKind.other: _l("Other")},
    DocumentKind: {DocumentKind.identity: _l("Identity"), DocumentKind.degree: _l("Degree"),
                   DocumentKind.postgraduate: _l("Postgraduate degree"),
                   DocumentKind.training: _l("Training certificate"), DocumentKind.language: _l("Language title"),
                   DocumentKind.experience: _l("Proof of experience"),
                   DocumentKind.declaration: _l("Solemn declaration"), DocumentKind.other: _l("Other")},
}


def enum_label(value: Any, enum_class: type | None = None) -> str:
    """The Greek label of a choice of the form ("—" when empty); FAB hands list and show
    formatters the enum's value, hence `enum_class`."""
    if value is None or value == "":
        return "—"
    if enum_class is not None and not isinstance(value, enum_class):
        value = enum_class(value)
    labels: dict[Any, Any] = ENUM_LABELS.get(type(value), {})
    return str(labels.get(value, value))


def status_label(status: EvaluatorStatus | str | None) -> str:
    if status is None or status == "":
        return "—"
    return str(STATUS_LABELS[EvaluatorStatus(status)])


# --- E-7: the points table and ΒΕ ------------------------------------------------------------


def scoring_table(session: Session) -> ScoringTable:
    table = session.get(ScoringTable, 1)
    if table is None:  # the migration inserts it; a hand-made database may lack it
        table = ScoringTable(id=1, **{name: getattr(rules.Points(), name) for name in rules.POINTS_FIELDS})
        session.add(table)
        session.flush()
    return table


def points(session: Session) -> rules.Points:
    table = scoring_table(session)
    return rules.Points(**{name: Decimal(getattr(table, name)) for name in rules.POINTS_FIELDS})


def check_points_table(table: ScoringTable) -> None:
    """Refuse a points table that would put ΒΕ outside 0–100 (E-7)."""
    values = {}
    for name in rules.POINTS_FIELDS:
        value = getattr(table, name)
        if value is None:
            raise Refused(_l("Every value of the points table is required."), field=name)
        values[name] = Decimal(value)
    problems = rules.check_points(rules.Points(**values))
    if "caps_over_100" in problems:
        raise Refused(_l("The maxima of ΒΕ1 and ΒΕ2 together may not exceed 100."), field="qualification_max")
    if problems:
        raise Refused(_l("Points may not be negative."), field=problems[0])


def _effective(model: Any, column: str, recoded: str | None) -> Any:
    """The value that counts: the committee's re-coded value where it re-coded the row."""
    value = getattr(model, column)
    if recoded is None:
        return value
    recoded_col = getattr(model, recoded)
    return case((and_(model.verification == Verification.recoded, recoded_col.is_not(None)), recoded_col),
                else_=value)


def _aggregate(session: Session, model: Any, measure: Any, ids: list[int] | None) -> dict[int, tuple[Any, Any]]:
    """evaluator_id -> (value over verified rows, value over verified + pending rows)."""
    verified = model.verification.in_(VERIFIED)
    provisional = or_(verified, model.verification == Verification.pending)
    stmt = (select(model.evaluator_id,
                   func.coalesce(func.sum(case((verified, measure), else_=0)), 0),
                   func.coalesce(func.sum(case((provisional, measure), else_=0)), 0))
            .group_by(model.evaluator_id))
    if ids is not None:
        stmt = stmt.where(model.evaluator_id.in_(ids))
    return {row[0]: (row[1], row[2]) for row in session.execute(stmt)}


def _score_inputs(session: Session, ids: list[int] | None) -> dict[str, dict[int, tuple[Any, Any]]]:
    degree_counts = or_(EvaluatorDegree.kind.in_([DegreeKind.aei, DegreeKind.tei]),
                        and_(EvaluatorDegree.kind == DegreeKind.foreign, EvaluatorDegree.recognised.is_(True)))
    level = _effective(EvaluatorPostgraduate, "level", "recoded_level")
    hours = _effective(EvaluatorTraining, "hours", "recoded_hours")
    lang_level = _effective(EvaluatorLanguage, "level", "recoded_level")
    lang_title = _effective(EvaluatorLanguage, "proficiency", "recoded_proficiency")
    one = case((degree_counts, 1), else_=0)
    return {
        "degrees": _aggregate(session, EvaluatorDegree, one, ids),
        "masters": _aggregate(session, EvaluatorPostgraduate, case((level == PostgraduateLevel.master, 1),
                                                                   else_=0), ids),
        "phds": _aggregate(session, EvaluatorPostgraduate, case((level == PostgraduateLevel.phd, 1), else_=0),
                           ids),
        "trainings": _aggregate(session, EvaluatorTraining, case((hours >= rules.MIN_TRAINING_HOURS, 1), else_=0),
                                ids),
        "languages": _aggregate(session, EvaluatorLanguage,
                                case((and_(lang_level == LanguageLevel.excellent, lang_title.is_(True)), 1),
                                     else_=0), ids),
        "cofunded_months": _aggregate(session, EvaluatorCofundedExperience,
                                      _effective(EvaluatorCofundedExperience, "person_months",
                                                 "recoded_person_months"), ids),
        "professional_months": _aggregate(session, EvaluatorProfessionalExperience,
                                          _effective(EvaluatorProfessionalExperience, "person_months",
                                                     "recoded_person_months"), ids),
    }


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(rules.CENT)


def recompute_entry_scores(session: Session, evaluator_ids: Iterable[int] | None = None,
                           progress: Callable[[int, int], None] | None = None) -> int:
    """E-7, set-based: one grouped query per kind of row, the pure rules, one bulk update of
    the files whose scores changed. Candidates (draft … under examination) are scored on
    their pending rows too (provisional); an enrolled or inactive evaluator only on what
    the committee confirmed or re-coded. ΒΕ needs ΒΕ3; ΒΚ follows ΒΕ until a cycle has
    changed it (E-13). The caller's transaction; audited as one action. Returns the
    number of files changed."""
    ids = None if evaluator_ids is None else sorted(set(evaluator_ids))
    table = points(session)
    inputs = _score_inputs(session, ids)
    stmt = select(Evaluator.id, Evaluator.status, Evaluator.interview_score, Evaluator.qualification_score,
                  Evaluator.experience_score, Evaluator.entry_score, Evaluator.ranking_score)
    if ids is not None:
        stmt = stmt.where(Evaluator.id.in_(ids))
    changes = []
    rows = session.execute(stmt).all()
    for done, (eid, status, be3, old1, old2, old_be, old_bk) in enumerate(rows, 1):
        pick = 1 if status in PROVISIONAL else 0

        def get(key: str, eid: int = eid, pick: int = pick) -> Any:
            return inputs[key].get(eid, (0, 0))[pick]

        be1 = rules.qualification_score(table, degrees=int(get("degrees")), masters=int(get("masters")),
                                        phds=int(get("phds")), trainings=int(get("trainings")),
                                        languages=int(get("languages")))
        be2 = rules.experience_score(table, cofunded_months=Decimal(get("cofunded_months")),
                                     professional_months=Decimal(get("professional_months")))
        be = rules.entry_score(be1, be2, be3) if be3 is not None else None
        bk = _money(old_bk)
        if status in (EvaluatorStatus.enrolled, EvaluatorStatus.inactive) and (bk is None or bk == _money(old_be)):
            bk = be
        if (be1, be2, be, bk) != (_money(old1), _money(old2), _money(old_be), _money(old_bk)):
            changes.append({"b_id": eid, "b_be1": be1, "b_be2": be2, "b_be": be, "b_bk": bk})
        if progress is not None and done % 10_000 == 0:
            progress(done, len(rows))
    # Core executemany by primary key: no ORM bookkeeping per row (the action is audited below).
    files = Evaluator.__table__
    write = (update(files).where(files.c.id == bindparam("b_id"))
             .values(qualification_score=bindparam("b_be1"), experience_score=bindparam("b_be2"),
                     entry_score=bindparam("b_be"), ranking_score=bindparam("b_bk")))
    for start in range(0, len(changes), 5_000):
        session.execute(write, changes[start:start + 5_000])
    audit.record_action(session, "recompute_entry_scores", table="evaluator",
                        details={"evaluators": len(rows) if ids is None else ids[:50], "changed": len(changes)})
    if progress is not None:
        progress(len(rows), len(rows))
    return len(changes)


def update_points_table(session: Session, table: ScoringTable) -> int:
    """E-7: the Admin saved the points table: check it and recompute every ΒΕ in the same
    transaction (the table's own change is audited by the Audited hook)."""
    check_points_table(table)
    session.flush()
    changed = recompute_entry_scores(session)
    session.commit()
    return changed


# --- E-1, E-2 on a file ------------------------------------------------------------------------


def _rows(session: Session, model: Any, evaluator_id: int) -> list[Any]:
    return list(session.scalars(select(model).where(model.evaluator_id == evaluator_id).order_by(model.id)))


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def eligibility_reasons(session: Session, evaluator: Evaluator) -> list[str]:
    """E-1 on the file (rows the committee did not reject): reason codes, empty if eligible."""
    degrees = [rules.Degree(d.kind.value, d.recognised) for d in _rows(session, EvaluatorDegree, evaluator.id)
               if d.counts()]
    post = [rules.Postgraduate((p.recoded_level or p.level).value,
                               (p.recoded_thematic_field_id or p.thematic_field_id) is not None)
            for p in _rows(session, EvaluatorPostgraduate, evaluator.id) if p.counts()]
    periods = [rules.Period(e.start_month, e.end_month)
               for model in (EvaluatorCofundedExperience, EvaluatorProfessionalExperience)
               for e in _rows(session, model, evaluator.id) if e.counts()]
    return rules.eligibility(degrees, post, periods)


def exclusion_reasons(session: Session, evaluator: Evaluator) -> list[str]:
    """E-2 on the file: reason codes, empty when no exclusion applies."""
    relations = [rules.CentreRelation(r.current, r.kind.value)
                 for r in _rows(session, EvaluatorCentreRelation, evaluator.id)]
    return rules.exclusions(general_director=evaluator.is_general_director, ekepis_trainer=evaluator.is_ekepis_trainer,
                            centre_relative=evaluator.is_centre_relative, centre_relations=relations)


def reason_texts(codes: Iterable[str], labels: dict[str, Any]) -> list[str]:
    return [str(labels.get(code, code)) for code in codes]


# --- status changes ---------------------------------------------------------------------------


def change_status(session: Session, evaluator: Evaluator, to: EvaluatorStatus, reason: str | None,
                  user_id: int | None) -> None:
    """Move the file to `to`, keeping the change in its status history."""
    session.add(EvaluatorStatusChange(evaluator_id=evaluator.id, changed_at=utcnow(), from_status=evaluator.status,
                                      to_status=to, reason=reason, changed_by_id=user_id))
    evaluator.status = to


def deactivate(session: Session, evaluator: Evaluator, reason: str, *, user_id: int | None = None,
               on: dt.date | None = None, commit: bool = True) -> None:
    """E-2 (art. 17.3): an exclusion makes the evaluator inactive at once, with the date and
    the reason; never selectable from then on. Kept in the history, never deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Give the reason of the deactivation."), field="reason")
    if len(reason) > 2000:
        raise Refused(_l("The reason may be at most %(n)s characters long."), field="reason", n=2000)
    if evaluator.status is EvaluatorStatus.inactive:
        raise Refused(_l("The evaluator is already inactive."), status=409)
    if evaluator.status is EvaluatorStatus.draft:
        raise Refused(_l("A draft application cannot be deactivated."), status=409)
    change_status(session, evaluator, EvaluatorStatus.inactive, reason, user_id)
    evaluator.inactive_since = on or local_now().date()
    evaluator.inactive_reason = reason
    audit.record_action(session, "deactivate_evaluator", evaluator, details={"reason": reason})
    if commit:
        session.commit()


def enrol(session: Session, evaluator: Evaluator, interview_score: Decimal | float | int, *,
          user_id: int | None = None, commit: bool = True) -> Evaluator:
    """E-5/E-7: the committee validated the file: ΒΕ3 from the interview, ΒΕ1/ΒΕ2 from
    the verified rows, status enrolled with a registry number, ΒΚ = ΒΕ (E-13, no cycle)."""
    try:
        be3 = Decimal(str(interview_score))
    except ArithmeticError:
        raise Refused(_l("The interview mark must be a number from 0 to 100."), field="interview_score") from None
    if not Decimal(0) <= be3 <= Decimal(100):
        raise Refused(_l("The interview mark must be a number from 0 to 100."), field="interview_score")
    if evaluator.status not in (EvaluatorStatus.submitted, EvaluatorStatus.under_examination):
        raise Refused(_l("Only a submitted application can be enrolled."), status=409)
    exclusions = exclusion_reasons(session, evaluator)
    if exclusions:
        raise Refused(_l("An exclusion applies: %(reasons)s"), status=409,
                      reasons=" ".join(reason_texts(exclusions, EXCLUSION_LABELS)))
    change_status(session, evaluator, EvaluatorStatus.enrolled, None, user_id)
    evaluator.interview_score = be3.quantize(rules.CENT)
    evaluator.enrolled_at = utcnow()
    session.flush()
    if not evaluator.registry_no:
        evaluator.registry_no = f"EMA{evaluator.id:06d}"
    session.flush()
    recompute_entry_scores(session, [evaluator.id])
    session.refresh(evaluator)
    audit.record_action(session, "enrol_evaluator", evaluator,
                        details={"interview_score": str(evaluator.interview_score),
                                 "entry_score": str(evaluator.entry_score)})
    if commit:
        session.commit()
    return evaluator


# --- form I.2: validation of the file and its rows ---------------------------------------------


def _max_length(obj: Any, field: str) -> int | None:
    column = inspect(type(obj)).columns.get(field)
    return column.type.length if column is not None and isinstance(column.type, String) else None


def check_lengths(obj: Any) -> None:
    for column in inspect(type(obj)).columns:
        value = getattr(obj, column.key, None)
        if isinstance(value, str) and isinstance(column.type, String) and column.type.length:
            if len(value) > column.type.length:
                raise Refused(_l("At most %(n)s characters."), field=column.key, n=column.type.length)


def _check_pattern(value: str | None, pattern: re.Pattern[str], message: Any, field: str) -> None:
    if value and not pattern.match(value):
        raise Refused(message, field=field)


def check_file_fields(evaluator: Evaluator, today: dt.date | None = None) -> None:
    """Server-side checks of form I.2 sections 1–4 whatever the browser sent."""
    today = today or local_now().date()
    check_lengths(evaluator)
    if evaluator.afm and not afm_is_valid(evaluator.afm):
        raise Refused(_l("The tax number (Α.Φ.Μ.) is not valid: 9 digits with a correct check digit."), field="afm")
    for field in ("home_postcode", "mail_postcode", "work_postcode"):
        _check_pattern(getattr(evaluator, field), POSTCODE, _l("The postcode has 5 digits."), field)
    for field in ("email", "work_email"):
        _check_pattern(getattr(evaluator, field), EMAIL, _l("The e-mail address is not valid."), field)
    for field in ("phone", "fax", "work_phone"):
        _check_pattern(getattr(evaluator, field), PHONE, _l("A phone number has 10 to 15 digits."), field)
    if evaluator.birth_date is not None:
        if evaluator.birth_date > today.replace(year=today.year - 18) or evaluator.birth_date.year < 1900:
            raise Refused(_l("The date of birth is not plausible (at least 18 years of age)."), field="birth_date")
    for field in ("first_name", "last_name"):
        if not (getattr(evaluator, field) or "").strip():
            raise Refused(_l("This field is required."), field=field)


def _check_period(start: dt.date | None, end: dt.date | None, today: dt.date, *, end_required: bool = True) -> None:
    if start is None or (end_required and end is None):
        raise Refused(_l("Give the start and the end of the period."), field="start_month")
    if start > today:
        raise Refused(_l("The start may not be in the future."), field="start_month")
    if end is not None:
        if end < start:
            raise Refused(_l("The end may not be before the start."), field="end_month")
        if _month_start(end) > _month_start(today):
            raise Refused(_l("The end may not be in the future."), field="end_month")


def check_row(session: Session, row: Any, today: dt.date | None = None) -> None:
    """Server-side checks of one repeatable row of form I.2 (sections 5–13, 15–17)."""
    today = today or local_now().date()
    check_lengths(row)
    for field in ("awarded_on", "completed_on"):
        value = getattr(row, field, None)
        if value is not None and (value > today or value.year < 1940):
            raise Refused(_l("The date is not plausible (not in the future)."), field=field)
    if isinstance(row, EvaluatorCentreRelation):
        _check_period(row.start_month, row.end_month, today, end_required=not row.current)
        if row.current and row.end_month is not None:
            raise Refused(_l("A current relation has no end."), field="end_month")
        if row.kind is CentreRelationKind.other and not (row.kind_other or "").strip():
            raise Refused(_l("Describe the relation."), field="kind_other")
    if isinstance(row, EvaluatorTraining):
        for field in ("hours", "recoded_hours"):
            value = getattr(row, field)
            if value is not None and not rules.MIN_TRAINING_HOURS <= value <= 5000:
                raise Refused(_l("Postgraduate training counts from %(min)s hours (at most %(max)s)."), field=field,
                              min=rules.MIN_TRAINING_HOURS, max=5000)
    if isinstance(row, EvaluatorDegree) and row.kind is not DegreeKind.foreign and row.recognised:
        row.recognised = False  # recognition concerns foreign degrees only
    if isinstance(row, (EvaluatorCofundedExperience, EvaluatorProfessionalExperience)):
        _check_period(row.start_month, row.end_month, today)
        row.start_month, row.end_month = _month_start(row.start_month), _month_start(row.end_month)
        for field in ("person_months", "recoded_person_months"):
            value = getattr(row, field)
            if value is None and field == "person_months":
                raise Refused(_l("Give the person-months."), field=field)
            if value is not None and not rules.person_months_ok(row.start_month, row.end_month, Decimal(value)):
                raise Refused(_l("Person-months must be more than 0 and at most the %(n)s months of the period."),
                              field=field, n=rules.months_in_period(row.start_month, row.end_month))
        if isinstance(row, EvaluatorCofundedExperience):
            window = today.replace(year=today.year - rules.COFUNDED_YEARS)
            if row.end_month < _month_start(window):
                raise Refused(_l("Section 11 lists experience of the last five years only."), field="end_month")
    for model, column, reference in PREFERENCES:
        if isinstance(row, model):
            _check_preference(session, row, column, reference)


def _check_preference(session: Session, row: Any, column: str, reference: Any) -> None:
    options = session.scalar(select(func.count()).select_from(reference)) or 0
    if row.priority is None or not 1 <= row.priority <= options:
        raise Refused(_l("The priority is a number from 1 to %(n)s."), field="priority", n=options)
    model = type(row)
    related = getattr(row, column.removesuffix("_id"), None)  # a form sets the relationship, not the column
    choice = related.id if related is not None else getattr(row, column)
    if choice is None:
        raise Refused(_l("This field is required."), field=column.removesuffix("_id"))
    others = select(model).where(model.evaluator_id == row.evaluator_id)
    if row.id is not None:
        others = others.where(model.id != row.id)
    with session.no_autoflush:
        for other in session.scalars(others):
            if getattr(other, column) == choice:
                raise Refused(_l("This choice is already ranked."), field=column.removesuffix("_id"))
            if other.priority == row.priority:
                raise Refused(_l("Priority %(n)s is already given to another choice."), field="priority",
                              n=row.priority)


def ensure_draft(evaluator: Evaluator | None) -> Evaluator:
    """A candidate changes their file only while it is a draft; afterwards changes go
    through modification requests (E-8)."""
    if evaluator is None:
        raise Refused(_l("Record not found."), status=404)
    if evaluator.status is not EvaluatorStatus.draft:
        raise Refused(_l("The application has been submitted and can no longer be changed here."), status=409)
    return evaluator


def file_of(session: Session, user: Any) -> Evaluator | None:
    evaluator_id = getattr(user, "evaluator_id", None)
    return session.get(Evaluator, evaluator_id) if evaluator_id else None


# --- supporting documents ----------------------------------------------------------------------


def documents_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "evaluators"


def document_path(document: SupportingDocument) -> Path:
    return documents_folder() / document.stored_name


def max_document_bytes() -> int:
    return int(current_app.config.get("EVALUATOR_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024))


def clean_filename(name: str | None) -> str:
    name = Path((name or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip() or "document"
    return name[-200:]


def store_document(session: Session, evaluator: Evaluator, *, stream: Any, filename: str | None, kind: Any,
                   description: str, issuer: str | None = None) -> SupportingDocument:
    """Keep one uploaded PDF/JPEG/PNG (type from its first bytes, not from its name) under
    UPLOAD_FOLDER/evaluators/ by a generated name, with its SHA-256."""
    import uuid

    ensure_draft(evaluator)
    description = (description or "").strip()
    if not description:
        raise Refused(_l("Describe the document."), field="description")
    if len(description) > 200 or len(issuer or "") > 160:
        raise Refused(_l("At most %(n)s characters."), field="description", n=200)
    data = stream.read(max_document_bytes() + 1)
    if not data:
        raise Refused(_l("The file is empty."), field="file")
    if len(data) > max_document_bytes():
        raise Refused(_l("The file is larger than %(mb)s MB."), field="file", mb=f"{max_document_bytes() / 1048576:g}")
    content_type = next((t for t, magic in DOCUMENT_TYPES.items() if data.startswith(magic)), None)
    if content_type is None:
        raise Refused(_l("Only PDF, JPEG and PNG files are accepted."), field="file")
    folder = documents_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = uuid.uuid4().hex
    tmp = folder / f".{stored_name}.part"
    tmp.write_bytes(data)
    tmp.replace(folder / stored_name)
    document = SupportingDocument(evaluator_id=evaluator.id, kind=kind, description=description,
                                  issuer=(issuer or "").strip() or None, filename=clean_filename(filename),
                                  stored_name=stored_name, content_type=content_type, size=len(data),
                                  sha256=hashlib.sha256(data).hexdigest(), uploaded_at=utcnow())
    try:
        session.add(document)
        session.commit()
    except Exception:
        session.rollback()
        (folder / stored_name).unlink(missing_ok=True)
        raise
    return document


def documents_of(session: Session, evaluator: Evaluator) -> list[SupportingDocument]:
    return _rows(session, SupportingDocument, evaluator.id)


def check_document_removable(session: Session, document: SupportingDocument) -> None:
    """A candidate removes a document of their draft that no row points at."""
    ensure_draft(session.get(Evaluator, document.evaluator_id))
    for model in VERIFIABLE_ROWS:
        if session.scalar(select(model.id).where(model.document_id == document.id).limit(1)):
            raise Refused(_l("The document proves rows of your application: unlink it from them first."))


# --- submission (E-3) ------------------------------------------------------------------------

REQUIRED_FIELDS = ("first_name", "last_name", "father_name", "id_card_no", "home_street", "home_number", "home_city",
                   "home_postcode", "afm", "tax_office", "birth_date", "gender", "mail_address", "mail_city",
                   "mail_postcode", "email", "phone", "region_id", "profession", "employment_form")


@dataclass
class Problem:
    section: str
    text: str


def completeness(session: Session, evaluator: Evaluator) -> list[Problem]:
    """What is missing before form I.2 can be submitted (E-3); empty when complete."""
    problems = []
    missing = [f for f in REQUIRED_FIELDS if getattr(evaluator, f) in (None, "")]
    if missing:
        problems.append(Problem("personal", gettext("Sections 1–3: fill in %(fields)s.",
                                                    fields=", ".join(str(FIELD_LABELS.get(f, f)) for f in missing))))
    for answer, current, section in ((evaluator.has_current_centre_relation, True, "5"),
                                     (evaluator.has_past_centre_relation, False, "6")):
        rows = session.scalar(select(func.count()).select_from(EvaluatorCentreRelation).where(
            EvaluatorCentreRelation.evaluator_id == evaluator.id, EvaluatorCentreRelation.current.is_(current)))
        if answer is None:
            problems.append(Problem(section, gettext("Section %(n)s: answer yes or no.", n=section)))
        elif answer and not rows:
            problems.append(Problem(section, gettext("Section %(n)s: list the relation.", n=section)))
        elif not answer and rows:
            problems.append(Problem(section, gettext("Section %(n)s: you answered no but listed relations.",
                                                     n=section)))
    counts = {model: session.scalar(select(func.count()).select_from(model).where(model.evaluator_id == evaluator.id))
              for model in (*VERIFIABLE_ROWS, EvaluatorFieldPreference, EvaluatorGroupPreference,
                            EvaluatorRegionPreference)}
    if not counts[EvaluatorDegree] and not counts[EvaluatorPostgraduate]:
        problems.append(Problem("7", gettext("Sections 7–8: list your degrees.")))
    if not counts[EvaluatorCofundedExperience] and not counts[EvaluatorProfessionalExperience]:
        problems.append(Problem("11", gettext("Sections 11–13: list your experience.")))
    if counts[EvaluatorProfessionalExperience] and not (evaluator.experience_relevance or "").strip():
        problems.append(Problem("14", gettext("Section 14: explain the relevance of your professional experience.")))
    for model, section in ((EvaluatorFieldPreference, "15"), (EvaluatorGroupPreference, "16"),
                           (EvaluatorRegionPreference, "17")):
        if not counts[model]:
            problems.append(Problem(section, gettext("Section %(n)s: rank at least one preference.", n=section)))
    for model in VERIFIABLE_ROWS:
        undocumented = session.scalar(select(func.count()).select_from(model).where(
            model.evaluator_id == evaluator.id, model.document_id.is_(None)))
        if undocumented:
            problems.append(Problem("documents", gettext(
                "%(what)s: rows without a supporting document: %(n)s.", what=ROW_TITLES[model], n=undocumented)))
    return problems


def next_protocol_value(session: Session, year: int) -> int:
    """E-3: the next number of the year, gap-free: the counter row is updated by one
    UPDATE … RETURNING (a row lock on PostgreSQL, the write lock on SQLite) in the
    submission's own transaction, so a rolled-back submission gives its number back."""
    bump = (update(ProtocolCounter).where(ProtocolCounter.year == year)
            .values(last_value=ProtocolCounter.last_value + 1).returning(ProtocolCounter.last_value))
    value = session.execute(bump).scalar()
    if value is None:
        try:
            with session.begin_nested():
                session.add(ProtocolCounter(year=year, last_value=0))
        except IntegrityError:
            pass  # another submission created the year's row first
        value = session.execute(bump).scalar_one()
    return value


def submit(session: Session, evaluator: Evaluator, *, consent: bool, declarations: bool,
           user_id: int | None = None, base_url: str | None = None) -> str:
    """E-3: check completeness, take the consent (form I.1) and the solemn declarations
    (ν.1599/86), give the protocol number, status submitted; one transaction, safe
    against a double click (only a draft moves). Mails the receipt. Returns the number."""
    ensure_draft(evaluator)
    if not consent:
        raise Refused(_l("Accept the use of your personal data (form I.1) to submit."), field="consent")
    if not declarations:
        raise Refused(_l("Make the solemn declarations (ν.1599/86) to submit."), field="declarations")
    problems = completeness(session, evaluator)
    if problems:
        raise Refused(_l("The application is not complete: %(missing)s"),
                      missing=" ".join(p.text for p in problems))
    check_file_fields(evaluator)
    now = utcnow()
    moved = session.execute(update(Evaluator).where(Evaluator.id == evaluator.id,
                                                    Evaluator.status == EvaluatorStatus.draft)
                            .values(status=EvaluatorStatus.submitted, submitted_at=now, consent_at=now,
                                    declarations_at=now)
                            .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Refused(_l("The application has been submitted and can no longer be changed here."), status=409)
    year = local_now().year
    protocol_no = rules.protocol_number(year, next_protocol_value(session, year))
    session.execute(update(Evaluator).where(Evaluator.id == evaluator.id).values(protocol_no=protocol_no)
                    .execution_options(synchronize_session=False))
    session.add(EvaluatorStatusChange(evaluator_id=evaluator.id, changed_at=now, from_status=EvaluatorStatus.draft,
                                      to_status=EvaluatorStatus.submitted, reason=protocol_no, changed_by_id=user_id))
    recompute_entry_scores(session, [evaluator.id])  # provisional ΒΕ1/ΒΕ2
    audit.record_action(session, "submit_application", evaluator, details={"protocol_no": protocol_no})
    session.commit()
    session.refresh(evaluator)
    _send_receipt(evaluator, base_url)
    return protocol_no


def _send_receipt(evaluator: Evaluator, base_url: str | None) -> None:
    if not evaluator.email:
        return
    try:
        mail.send_mail(evaluator.email, gettext("Ε.Μ.Α.: receipt of your application %(no)s", no=evaluator.protocol_no),
                       render_template("evaluators/receipt_mail.txt", evaluator=evaluator,
                                       submitted=_local(evaluator.submitted_at), base_url=(base_url or "").rstrip("/")))
    except mail.MailError:
        log.exception("receipt mail of evaluator %s not sent", evaluator.id)


def _local(value: dt.datetime | None) -> str:
    from app.clock import utc_to_local

    local = utc_to_local(value)
    return local.strftime("%d/%m/%Y %H:%M") if local else "—"


# --- self-registration ------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_registration(session: Session, *, username: str, email: str, first_name: str, last_name: str,
                         afm: str, password: str, base_url: str) -> None:
    """A candidate registers: checks, keeps the request with the password's hash, mails
    the confirmation link. Nothing exists as a user until the link is opened."""
    username, email, afm = username.strip(), email.strip().lower(), afm.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]{3,64}", username):
        raise Refused(_l("The user name has 3–64 Latin letters, digits, '.', '_' or '-'."), field="username")
    if not EMAIL.match(email) or len(email) > 320:
        raise Refused(_l("The e-mail address is not valid."), field="email")
    if not afm_is_valid(afm):
        raise Refused(_l("The tax number (Α.Φ.Μ.) is not valid: 9 digits with a correct check digit."), field="afm")
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not value.strip() or len(value) > 80:
            raise Refused(_l("This field is required (at most 80 characters)."), field=field)
    taken = session.scalar(select(func.count()).select_from(AppUser).where(
        or_(func.lower(AppUser.username) == username.lower(), func.lower(AppUser.email) == email, AppUser.afm == afm)))
    taken = taken or session.scalar(select(func.count()).select_from(Evaluator).where(Evaluator.afm == afm))
    if taken:
        raise Refused(_l("An account with this user name, e-mail or tax number already exists; "
                         "use credential recovery."), field="username")
    token = secrets.token_urlsafe(32)
    config = current_app.config
    session.add(RegistrationRequest(
        token_hash=_token_hash(token), username=username, email=email, first_name=first_name.strip(),
        last_name=last_name.strip(), afm=afm, created_at=utcnow(),
        password_hash=generate_password_hash(password, method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
                                             salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))))
    audit.record_action(session, "evaluator_registration", table="evaluator_registration",
                        details={"username": username})
    session.commit()
    link = f"{base_url.rstrip('/')}/evaluator-registration/confirm/{token}"
    mail.send_mail(email, gettext("Ε.Μ.Α.: confirm your registration"),
                   render_template("evaluators/registration_mail.txt", link=link, first_name=first_name,
                                   hours=registration_ttl_hours()))


def registration_ttl_hours() -> int:
    return int(current_app.config.get("EVALUATOR_REGISTRATION_TTL_HOURS", 48))


def confirm_registration(session: Session, token: str) -> AppUser | None:
    """The mailed link was opened: the user (role Evaluator) and their draft file are
    created in one transaction; the link works once. None for an unknown/used/old link."""
    if not token or len(token) > 128:
        return None
    now = utcnow()
    oldest = now - dt.timedelta(hours=registration_ttl_hours())
    row = session.execute(
        update(RegistrationRequest)
        .where(RegistrationRequest.token_hash == _token_hash(token), RegistrationRequest.confirmed_at.is_(None),
               RegistrationRequest.created_at > oldest)
        .values(confirmed_at=now).returning(RegistrationRequest.id)).scalar()
    if row is None:
        session.rollback()
        return None
    request = session.get_one(RegistrationRequest, row)
    from app.roles import EVALUATOR

    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    role = sm.find_role(EVALUATOR)
    evaluator = Evaluator(first_name=request.first_name, last_name=request.last_name, afm=request.afm,
                          email=request.email, status=EvaluatorStatus.draft)
    try:
        session.add(evaluator)
        session.flush()
        user = sm.user_model(username=request.username, first_name=request.first_name, last_name=request.last_name,
                             email=request.email, active=True, roles=[role], password=request.password_hash,
                             afm=request.afm, evaluator_id=evaluator.id)
        session.add(user)
        session.add(EvaluatorStatusChange(evaluator_id=evaluator.id, changed_at=now, from_status=None,
                                          to_status=EvaluatorStatus.draft, reason=None))
        session.flush()
        audit.record_action(session, "evaluator_registration_confirmed", evaluator, details={"user": request.username})
        session.commit()
    except IntegrityError:
        session.rollback()  # someone took the name, e-mail or Α.Φ.Μ. in between
        return None
    return user  # type: ignore[no-any-return]  # FAB's user model is untyped


# --- E-14: the nominal table; the help desk's search ------------------------------------------


@dataclass
class NominalRow:
    rank: int
    registry_no: str
    last_name: str
    first_name: str
    father_name: str
    level: str
    be1: Decimal | None
    be2: Decimal | None
    be3: Decimal | None
    be: Decimal | None


LEVEL_LABELS = {"A": "Α", "B": "Β", "C": "Γ"}


def nominal_table(session: Session) -> list[NominalRow]:
    """E-14: every enrolled evaluator (inactive and level Γ are not listed, E-2/E-12) by ΒΕ,
    descending; equal scores share a rank and are listed by registry number."""
    from models.evaluators import PerformanceLevel

    stmt = (select(Evaluator.registry_no, Evaluator.last_name, Evaluator.first_name, Evaluator.father_name,
                   Evaluator.level, Evaluator.qualification_score, Evaluator.experience_score,
                   Evaluator.interview_score, Evaluator.entry_score)
            .where(Evaluator.status == EvaluatorStatus.enrolled, Evaluator.level != PerformanceLevel.C,
                   Evaluator.entry_score.is_not(None))
            .order_by(Evaluator.entry_score.desc(), Evaluator.registry_no))
    rows = session.execute(stmt).all()
    ranks = rules.competition_ranks([r.entry_score for r in rows])
    return [NominalRow(rank, r.registry_no, r.last_name, r.first_name, r.father_name or "—",
                       LEVEL_LABELS[r.level.value], r.qualification_score, r.experience_score, r.interview_score,
                       r.entry_score) for rank, r in zip(ranks, rows, strict=True)]


NOMINAL_HEADERS = (_l("Rank"), _l("Registry no."), _l("Last name"), _l("First name"), _l("Father's name"),
                   _l("Performance level"), "ΒΕ1", "ΒΕ2", "ΒΕ3", "ΒΕ")


@jobs.report_handler("nominal_table_pdf", label=_l("Nominal table of evaluators (PDF)"), model=None,
                     permission=("can_list", "NominalTableView"), filename=lambda params: "nominal-table.pdf",
                     target=lambda params: ("NominalTableView.list", {}))
def nominal_table_pdf_job(session: Session, params: dict[str, Any], progress: jobs.Progress, out: IO[bytes],
                          workdir: Path) -> None:
    """E-14 as a PDF of every listed evaluator, rendered in parts (reports.jobs)."""
    from reports.jobs import write_pdf_in_parts

    rows = nominal_table(session)
    progress(0, None)
    with force_locale("el"):
        headers = [str(h) for h in NOMINAL_HEADERS]
    write_pdf_in_parts(out, workdir, "evaluators/pdf_nominal_table.html", rows, progress, headers=headers,
                       total=len(rows))


def search(session: Session, query: str, limit: int = 50) -> list[Evaluator]:
    """The help desk finds a candidate or an evaluator by Α.Φ.Μ., protocol or registry
    number (exact) or by surname (prefix, case-insensitive)."""
    query = (query or "").strip()
    if not query or len(query) > 80:
        return []
    exact = or_(Evaluator.afm == query, Evaluator.protocol_no == query, Evaluator.registry_no == query.upper())
    # SQLite's lower() knows no Greek: match the usual spellings of the typed prefix instead.
    variants = {query, query.lower(), query.upper(), query[:1].upper() + query[1:].lower()}
    name = or_(*(Evaluator.last_name.startswith(v, autoescape=True) for v in sorted(variants)))
    stmt = (select(Evaluator).where(or_(exact, name)).order_by(Evaluator.last_name, Evaluator.first_name,
                                                                Evaluator.id).limit(limit))
    return list(session.scalars(stmt))


# --- everything held about a person (personal-data access) ---------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value
    return value


def _as_dict(obj: Any) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in inspect(type(obj)).columns}


def personal_data(session: Session, evaluator: Evaluator) -> dict[str, Any]:
    """Every record the registry holds about the evaluator, as plain data."""
    from models.audit import AuditEntry

    data: dict[str, Any] = {"evaluator": _as_dict(evaluator)}
    for model in (*FILE_ROWS, SupportingDocument, EvaluatorStatusChange):
        data[model.__tablename__] = [_as_dict(r) for r in _rows(session, model, evaluator.id)]
    users = session.scalars(select(AppUser).where(AppUser.evaluator_id == evaluator.id))
    data["accounts"] = [{"username": u.username, "email": u.email, "created_on": _plain(u.created_on),
                         "last_login": _plain(u.last_login)} for u in users]
    entries = session.scalars(select(AuditEntry).where(AuditEntry.table_name == "evaluator",
                                                       AuditEntry.record_id == str(evaluator.id))
                              .order_by(AuditEntry.id))
    data["history"] = [{"at": _plain(e.at), "action": e.action, "by": e.username} for e in entries]
    return data


# --- home page ------------------------------------------------------------------------------


def home_summary(session: Session, user: Any) -> list[dict[str, Any]]:
    """The evaluator's own file on their home page."""
    evaluator = file_of(session, user)
    if evaluator is None:
        return []
    text = status_label(evaluator.status)
    if evaluator.protocol_no:
        text += f" · {evaluator.protocol_no}"
    if evaluator.entry_score is not None:
        text += f" · ΒΕ {evaluator.entry_score}"
    return [{"title": gettext("My registry file"), "text": text, "url": "/myapplication/list/"}]


FIELD_LABELS: dict[str, Any] = {
    "registry_no": _l("Registry no."), "protocol_no": _l("Protocol no."), "submitted_at": _l("Submitted at"),
    "first_name": _l("First name"), "last_name": _l("Last name"), "father_name": _l("Father's name"),
    "id_card_no": _l("Identity card no."), "home_street": _l("Street"), "home_number": _l("Street no."),
    "home_city": _l("City"), "home_postcode": _l("Postcode"), "afm": _l("Tax no. (AFM)"),
    "tax_office": _l("Tax office (ΔΟΥ)"), "birth_date": _l("Date of birth"), "gender": _l("Gender"),
    "mail_address": _l("Correspondence address"), "mail_city": _l("Correspondence city"),
    "mail_postcode": _l("Correspondence postcode"), "mail_prefecture": _l("Prefecture"), "email": _l("E-mail"),
    "phone": _l("Phone"), "fax": _l("Fax"), "region": _l("Region"), "region_id": _l("Region"),
    "profession": _l("Profession"), "employment_form": _l("Form of employment"),
    "economic_sector": _l("Sector of economic activity"), "employer_name": _l("Employer"),
    "work_address": _l("Work address"), "work_city": _l("Work city"), "work_postcode": _l("Work postcode"),
    "work_phone": _l("Work phone"), "work_email": _l("Work e-mail"),
    "has_current_centre_relation": _l("Do you currently cooperate with a training centre (ΚΕΚ, ΚΕΣΥΥ, specialised)?"),
    "has_past_centre_relation": _l("Did you work with a training centre in the past?"),
    "experience_relevance": _l("Relevance of your professional experience to the thematic fields"),
    "is_general_director": _l("I am a general director of the Ministry"),
    "is_ekepis_trainer": _l("I am in the ΕΚΕΠΙΣ trainers' registry"),
    "is_centre_relative": _l("I am a relative (up to 3rd degree) of an owner or director of a training centre"),
    "consent_at": _l("Consent (form I.1)"), "declarations_at": _l("Solemn declarations"),
    "status": _l("Status"), "inactive_since": _l("Inactive since"), "inactive_reason": _l("Reason for inactivity"),
    "level": _l("Performance level"), "qualification_score": _l("ΒΕ1 (qualifications)"),
    "experience_score": _l("ΒΕ2 (experience)"), "interview_score": _l("ΒΕ3 (interview)"),
    "entry_score": _l("Entry score (BE)"), "ranking_score": _l("Ranking score (BK)"),
}
ROW_TITLES: dict[Any, Any] = {
    EvaluatorDegree: _l("Section 7 (degrees)"),
    EvaluatorPostgraduate: _l("Section 8 (postgraduate degrees)"),
    EvaluatorTraining: _l("Section 9 (postgraduate training)"),
    EvaluatorLanguage: _l("Section 10 (languages)"),
    EvaluatorCofundedExperience: _l("Section 11 (co-funded actions)"),
    EvaluatorProfessionalExperience: _l("Section 13 (professional experience)"),
}
