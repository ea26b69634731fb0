"""The committee's work on the evaluator registry (E-4…E-6, E-8, E-9): sessions and
agendas, the processing of an application up to enrolment or rejection, modification
requests and the selection of evaluators for a body's request.

Views call one function here; the decisions and commits live here; the rules are in
app.rules.committee (plain Python). Nothing is deleted: a correction is a new reasoned
row pointing at the one it replaces.
"""
from __future__ import annotations

import csv
import datetime as dt
import enum
import functools
import logging
import secrets
from decimal import Decimal
from pathlib import Path
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import render_template
from flask_babel import force_locale, gettext, lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import access, audit, evaluators, jobs, mail
from app.errors import Refused
from app.rules import committee as rules
from models.committee import (
    AgendaItem, AgendaKind, Body, CommitteeSession, Correction, CorrectionKind, Decision, DecisionKind,
    EvaluatorRelation, InterviewMarks, OperationalProgramme,
    ModificationKind, ModificationRequest, ModificationStatus, Recognition, RecognitionKind, RelationKind,
    ScoreKind, SelectionExclusion, SelectionRequest, SelectionResult, SelectionRun,
)
from app.rules import evaluators as erules
from app.rules import evaluation as evaluation_rules
from models import evaluators as em
from models.evaluation import CycleStatus, EvaluationCycle, Participation
from models.evaluators import Evaluator, EvaluatorStatus, PerformanceLevel, Verification
from models.jobs import JobState
from models.mixins import utcnow
from models.reference import Region, TargetGroup, ThematicField

log = logging.getLogger(__name__)

# Ours (E-6): which target groups a degree subject / thematic field supports, by codes.
FIELD_GROUPS_CSV = Path(__file__).resolve().parent.parent / "data" / "reference" / "field_target_groups.csv"

STATUS_LABELS = evaluators.STATUS_LABELS
DECISION_LABELS = {
    DecisionKind.in_principle: _l("Included in principle (form I.3)"),
    DecisionKind.not_admitted: _l("Not admitted (form I.3)"),
    DecisionKind.enrolled: _l("Enrolled in the registry"),
    DecisionKind.rejected: _l("Rejected"),
    DecisionKind.modification_accepted: _l("Modification accepted"),
    DecisionKind.modification_rejected: _l("Modification rejected"),
}
MODIFICATION_LABELS = {
    ModificationKind.personal: _l("Personal data"),
    ModificationKind.regions: _l("Region preferences"),
    ModificationKind.qualifications: _l("Qualifications and experience"),
}
MODIFICATION_STATUS_LABELS = {
    ModificationStatus.filed: _l("Filed"),
    ModificationStatus.accepted: _l("Accepted"),
    ModificationStatus.rejected: _l("Rejected"),
    ModificationStatus.superseded: _l("Superseded by a newer request"),
}
CRITERION_LABELS = {
    "breadth": _l("Breadth of activity"),
    "reach": _l("Reach of activity"),
    "completeness": _l("Completeness of activity"),
    "participation": _l("Level of participation"),
}
EXCLUSION_LABELS = {
    "inactive": _l("Inactive"),
    "level_c": _l("Performance level Γ"),
    "special_service": _l("Heads or staffs the special service of the programme"),
    "body_relation": _l("Declared relation with the applicant body"),
}
RELATION_LABELS = {
    RelationKind.service_head: _l("Head of the programme's special service"),
    RelationKind.service_staff: _l("Staff of the programme's special service"),
    RelationKind.body: _l("Relation with a body"),
}
SCORE_LABELS = {ScoreKind.entry: _l("Entry score (BE)"), ScoreKind.ranking: _l("Ranking score (BK)")}
KIND_LABELS = {"field": _l("Thematic field"), "group": _l("Target group"), "region": _l("Region")}
# Personal data an evaluator may ask to change (E-8), by Evaluator attribute.
PERSONAL_FIELDS = ("email", "phone", "last_name", "first_name", "father_name")


F = TypeVar("F")


def _rolls_back(fn: F) -> F:
    """A refused request changes nothing: whatever the function did before refusing is
    rolled back (the views own no transaction)."""
    @functools.wraps(fn)  # type: ignore[arg-type]
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(session, *args, **kwargs)  # type: ignore[operator]
        except Refused:
            session.rollback()
            raise
    return wrapper  # type: ignore[return-value]


def visible(session: Session, model: Any, pk: Any) -> Any:
    """The row `pk` of `model` if the signed-in user may see it (row scope), else None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return session.scalars(select(model).where(model.id == pk, access.row_clause(model))).first()


def thematic_fields(session: Session) -> list[ThematicField]:
    return list(session.scalars(select(ThematicField).order_by(ThematicField.code)))


def regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).order_by(Region.code)))


def bodies(session: Session) -> list[Body]:
    return list(session.scalars(select(Body).order_by(Body.name)))


def programmes(session: Session) -> list[OperationalProgramme]:
    return list(session.scalars(select(OperationalProgramme).order_by(OperationalProgramme.code)))


def criterion_options(session: Session) -> list[Any]:
    """The choices of a criterion: (group label, [("field:<id>", name), …]) per kind."""
    kinds: tuple[tuple[str, Any], ...] = (("field", ThematicField), ("group", TargetGroup), ("region", Region))
    return [(KIND_LABELS[k], [(f"{k}:{o.id}", o.name_el) for o in session.scalars(select(m).order_by(m.code))])
            for k, m in kinds]


def runs_of(session: Session, req: SelectionRequest) -> list[SelectionRun]:
    return list(session.scalars(select(SelectionRun).where(SelectionRun.request_id == req.id)
                                .order_by(SelectionRun.id.desc())))


def session_on(session: Session, day: dt.date | None) -> bool:
    return day is not None and session.scalar(
        select(CommitteeSession.id).where(CommitteeSession.held_on == day)) is not None


def own_file(session: Session, user: Any) -> Evaluator | None:
    evaluator_id = getattr(user, "evaluator_id", None)
    return session.get(Evaluator, evaluator_id) if evaluator_id else None


def _save(session: Session, message: Any, *, flush: bool = False) -> None:
    """Commit (or flush); a unique constraint that another click or worker won first is a
    409 with `message`, and nothing of this attempt is kept."""
    try:
        session.flush() if flush else session.commit()
    except IntegrityError:
        session.rollback()
        raise Refused(message, status=409) from None


# --- look-ups ----------------------------------------------------------------------------

def get_session(session: Session, session_id: int) -> CommitteeSession:
    cs = session.get(CommitteeSession, session_id)
    if cs is None:
        raise Refused(_l("Record not found."), status=404)
    return cs


def sessions_around(session: Session, day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    previous = session.scalar(select(func.max(CommitteeSession.held_on)).where(CommitteeSession.held_on < day))
    following = session.scalar(select(func.min(CommitteeSession.held_on)).where(CommitteeSession.held_on > day))
    return previous, following


def next_session(session: Session, today: dt.date) -> CommitteeSession | None:
    return session.scalars(select(CommitteeSession).where(CommitteeSession.held_on >= today)
                           .order_by(CommitteeSession.held_on).limit(1)).first()


# --- E-4: sessions and agendas -----------------------------------------------------------

def frequency_messages(session: Session, cs: CommitteeSession) -> list[str]:
    """E-4 warnings of a session against its neighbours, in words."""
    neighbours = [d for d in sessions_around(session, cs.held_on) if d is not None]
    same_day = session.scalar(select(func.count()).select_from(CommitteeSession).where(
        CommitteeSession.held_on == cs.held_on, CommitteeSession.id != cs.id))
    if same_day:
        neighbours.append(cs.held_on)
    out = []
    for w in rules.session_frequency_warnings(cs.held_on, neighbours):
        other = w.other.strftime("%d/%m/%Y")
        if w.code == "too_soon":
            out.append(gettext("Less than 2 months from the session of %(date)s: the committee meets at most "
                               "once every 2 months.", date=other))
        else:
            out.append(gettext("More than 4 months from the session of %(date)s: the committee meets at least "
                               "once every 4 months.", date=other))
    return out


@_rolls_back
def create_session(session: Session, held_on: dt.date | None, place: str | None = None) -> tuple[CommitteeSession, list[str]]:
    """Create a session; the E-4 frequency rule only warns (the committee may have to
    meet off-rhythm), it never refuses."""
    if not isinstance(held_on, dt.date):
        raise Refused(_l("Enter the session's date."), field="held_on")
    if session.scalar(select(CommitteeSession.id).where(CommitteeSession.held_on == held_on)):
        raise Refused(_l("There is already a session on that date."), field="held_on", status=409)
    cs = CommitteeSession(held_on=held_on, place=(place or "").strip() or None)
    session.add(cs)
    _save(session, _l("There is already a session on that date."), flush=True)
    warnings = frequency_messages(session, cs)
    audit.record_action(session, "committee_session_created", cs, details={"warnings": warnings})
    session.commit()
    return cs, warnings


def filed_column() -> Any:
    """When an application was filed (set with its protocol number, E-3)."""
    return Evaluator.submitted_at


@_rolls_back
def build_agenda(session: Session, cs: CommitteeSession) -> int:
    """E-4: put on the agenda every submitted application and every open modification
    request filed by the cut-off (10 days before) and not yet on an agenda; the
    applications move to "under examination". Running it again adds only what is new.
    Returns the number of items added."""
    # Lock the session row: two clicks / two workers build one agenda.
    session.execute(select(CommitteeSession.id).where(CommitteeSession.id == cs.id).with_for_update())
    added = fill_agenda(session, cs)
    _save(session, _l("The agenda was changed at the same time; reload the page."))
    return added


def fill_agenda(session: Session, cs: CommitteeSession) -> int:
    """build_agenda without the lock and the commit (the demo loader's one transaction)."""
    cutoff = rules.filing_cutoff(cs.held_on)
    last_day = dt.datetime.combine(cutoff, dt.time.max)
    on_any = select(AgendaItem.request_key)
    position: int = session.scalar(select(func.coalesce(func.max(AgendaItem.position), 0))
                                   .where(AgendaItem.session_id == cs.id)) or 0
    added = 0
    filed = filed_column()
    applications = session.execute(
        select(Evaluator, filed).where(Evaluator.status == EvaluatorStatus.submitted,
                                       filed.is_not(None), filed <= last_day)
        .order_by(filed, Evaluator.id)).all()
    taken = set(session.scalars(on_any.where(AgendaItem.session_id == cs.id)))
    for ev, filed_at in applications:
        key = f"A{ev.id}"
        if key in taken:
            continue
        position += 1
        session.add(AgendaItem(session_id=cs.id, position=position, kind=AgendaKind.application,
                               evaluator_id=ev.id, request_key=key, filed_at=filed_at))
        ev.status = EvaluatorStatus.under_examination
        added += 1
    requests = session.scalars(
        select(ModificationRequest).where(ModificationRequest.status == ModificationStatus.filed,
                                          ModificationRequest.filed_at <= last_day)
        .order_by(ModificationRequest.filed_at, ModificationRequest.id)).all()
    on_agendas = set(session.scalars(on_any.where(AgendaItem.kind == AgendaKind.modification)))
    for req in requests:
        key = f"M{req.id}"
        if key in on_agendas or not request_forwardable(session, req):
            continue  # E-8: a rejected request is not forwarded again without new documents
        position += 1
        session.add(AgendaItem(session_id=cs.id, position=position, kind=AgendaKind.modification,
                               evaluator_id=req.evaluator_id, modification_request_id=req.id,
                               request_key=key, filed_at=req.filed_at))
        added += 1
    cs.agenda_built_at = utcnow()
    audit.record_action(session, "committee_agenda_built", cs, details={"added": added, "cutoff": cutoff})
    session.flush()
    return added


def agenda_rows(session: Session, cs: CommitteeSession) -> list[dict[str, Any]]:
    rows = []
    for item in cs.items:
        ev = item.evaluator
        rows.append({
            "item": item,
            "evaluator": ev,
            "what": (gettext("Application") if item.kind is AgendaKind.application
                     else str(MODIFICATION_LABELS[item.modification_request.kind])
                     if item.modification_request is not None else "—"),
            "filed": item.filed_at,
            "status": STATUS_LABELS[ev.status],
            "decision": current_decision(session, ev.id),
        })
    return rows


def pending_applications(session: Session) -> list[Any]:
    """Applications submitted or under examination, oldest first, with their filing time."""
    filed = filed_column()
    return list(session.execute(select(Evaluator, filed).where(Evaluator.status.in_(
        [EvaluatorStatus.submitted, EvaluatorStatus.under_examination])).order_by(filed, Evaluator.id)).all())


def session_decisions(session: Session, cs: CommitteeSession) -> list[Decision]:
    return list(session.scalars(select(Decision).where(Decision.session_id == cs.id).order_by(Decision.id)))


def agenda_pdf(session: Session, cs: CommitteeSession) -> bytes:
    from reports.committee import agenda_document
    with force_locale("el"):  # official documents are Greek whatever the reader's language
        rows = agenda_rows(session, cs)
    return agenda_document(cs, rows, rules.filing_cutoff(cs.held_on), rules.forwarding_day(cs.held_on))


def minutes_pdf(session: Session, cs: CommitteeSession) -> bytes:
    from reports.committee import minutes_document
    with force_locale("el"):
        rows = [{"decision": d, "label": str(DECISION_LABELS[d.kind]), "superseded": is_superseded(session, d)}
                for d in session_decisions(session, cs)]
    return minutes_document(cs, rows)


# --- decisions (never deleted; corrected by a new reasoned row) --------------------------

def is_superseded(session: Session, decision: Decision) -> bool:
    return (session.scalar(select(func.count()).select_from(Decision)
                           .where(Decision.supersedes_id == decision.id)) or 0) > 0


def decision_history(session: Session, evaluator_id: int) -> list[Decision]:
    return list(session.scalars(select(Decision).where(Decision.evaluator_id == evaluator_id)
                                .order_by(Decision.decided_at, Decision.id)))


def current_decision(session: Session, evaluator_id: int) -> Decision | None:
    """The latest decision on an application that no later one corrects."""
    corrected = select(Decision.supersedes_id).where(Decision.supersedes_id.is_not(None))
    return session.scalars(select(Decision).where(
        Decision.evaluator_id == evaluator_id, Decision.modification_request_id.is_(None),
        Decision.id.not_in(corrected)).order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1)).first()


def _reasons(text: str | None, required: bool) -> str | None:
    text = (text or "").strip()
    if required and not text:
        raise Refused(_l("Give the reasons."), field="reasons")
    if len(text) > 4000:
        raise Refused(_l("The reasons are too long (at most 4000 characters)."), field="reasons")
    return text or None


def _add_decision(session: Session, evaluator: Evaluator, kind: DecisionKind, reasons: str | None, user_id: int | None,
                  session_id: int | None, supersedes: Decision | None = None, **extra: Any) -> Decision:
    d = Decision(evaluator_id=evaluator.id, kind=kind, reasons=reasons, decided_by_id=user_id,
                 session_id=session_id, supersedes_id=supersedes.id if supersedes else None, **extra)
    session.add(d)
    _save(session, _l("This decision was already corrected; reload the page."), flush=True)
    return d


def _agenda_session_id(session: Session, evaluator: Evaluator) -> int | None:
    return session.scalar(select(AgendaItem.session_id).where(
        AgendaItem.evaluator_id == evaluator.id, AgendaItem.kind == AgendaKind.application)
        .order_by(AgendaItem.id.desc()).limit(1))


def _lock_evaluator(session: Session, evaluator: Evaluator) -> None:
    session.execute(select(Evaluator.id).where(Evaluator.id == evaluator.id).with_for_update())
    session.refresh(evaluator)


def _require_examination(evaluator: Evaluator, session: Session | None = None) -> None:
    if session is not None and evaluator.status is EvaluatorStatus.enrolled and session.scalar(
            select(ModificationRequest.id).where(
                ModificationRequest.evaluator_id == evaluator.id, ModificationRequest.kind ==
                ModificationKind.qualifications, ModificationRequest.status == ModificationStatus.filed).limit(1)):
        return  # E-8: an open qualifications request is examined like an application
    if evaluator.status is not EvaluatorStatus.under_examination:
        raise Refused(_l("The application is not under examination (status: %(state)s)."), status=409,
                      state=str(STATUS_LABELS[evaluator.status]))


@_rolls_back
def decide_in_principle(session: Session, evaluator: Evaluator, admitted: bool, reasons: str | None,
                        user_id: int | None) -> Decision:
    """E-5, form I.3: completeness and inclusion in principle. Not admitted ends the
    application as rejected, with the reasons, and tells the candidate."""
    _lock_evaluator(session, evaluator)
    _require_examination(evaluator)
    if current_decision(session, evaluator.id) is not None:
        raise Refused(_l("There is already a decision; correct it with a reasoned new entry."), status=409)
    text = _reasons(reasons, required=not admitted)
    if admitted:
        checks = eligibility_report(session, evaluator)
        problems = checks["eligibility"] + checks["exclusions"]
        if problems:  # E-1, E-2: an ineligible or excluded candidate is not admitted
            raise Refused(_l("The candidate cannot be admitted: %(reasons)s."), status=409,
                          reasons="; ".join(problems))
    kind = DecisionKind.in_principle if admitted else DecisionKind.not_admitted
    d = _add_decision(session, evaluator, kind, text, user_id, _agenda_session_id(session, evaluator))
    if not admitted:
        evaluator.status = EvaluatorStatus.rejected
    session.commit()
    if not admitted:
        notify_candidate(evaluator, d)
    return d


def _check_marks(marks: dict[str, Any]) -> None:
    """E-5: each of the four interview marks a whole number from 0 to 100."""
    bad = rules.mark_problems(marks)
    if bad:
        raise Refused(_l("Each interview mark must be a whole number from 0 to 100 (%(criteria)s)."),
                      field=bad[0], criteria=", ".join(str(CRITERION_LABELS[c]) for c in bad))


@_rolls_back
def record_interview(session: Session, evaluator: Evaluator, marks: dict[str, Any], user_id: int | None,
                     reason: str | None = None) -> InterviewMarks:
    """E-5: four marks 0–100 → ΒΕ3. A later entry corrects the earlier one (with a
    reason); both stay."""
    _lock_evaluator(session, evaluator)
    _require_examination(evaluator)
    _check_marks(marks)
    previous = current_interview(session, evaluator.id)
    text = _reasons(reason, required=previous is not None)
    row = InterviewMarks(evaluator_id=evaluator.id, session_id=_agenda_session_id(session, evaluator),
                         score=rules.interview_score(marks), reason=text, recorded_by_id=user_id,
                         supersedes_id=previous.id if previous else None,
                         **{c: int(marks[c]) for c in rules.INTERVIEW_CRITERIA})
    session.add(row)
    _save(session, _l("The marks were changed at the same time; reload the page."))
    return row


def current_interview(session: Session, evaluator_id: int) -> InterviewMarks | None:
    corrected = select(InterviewMarks.supersedes_id).where(InterviewMarks.supersedes_id.is_not(None))
    return session.scalars(select(InterviewMarks).where(InterviewMarks.evaluator_id == evaluator_id,
                                                        InterviewMarks.id.not_in(corrected))
                           .order_by(InterviewMarks.id.desc()).limit(1)).first()


def interview_history(session: Session, evaluator_id: int) -> list[InterviewMarks]:
    return list(session.scalars(select(InterviewMarks).where(InterviewMarks.evaluator_id == evaluator_id)
                                .order_by(InterviewMarks.id)))


# --- E-1, E-2: eligibility and exclusions; E-5 verification ----------------------------

VERIFICATION_LABELS = evaluators.ENUM_LABELS[Verification]
# E-5: the verifiable sections of form I.2, and the values the committee may re-code.
SECTIONS = {
    "degree": (em.EvaluatorDegree, _l("Degree"), ()),
    "postgraduate": (em.EvaluatorPostgraduate, _l("Postgraduate degree"), ("recoded_level",)),
    "training": (em.EvaluatorTraining, _l("Postgraduate training"), ("recoded_hours",)),
    "language": (em.EvaluatorLanguage, _l("Language"), ("recoded_level",)),
    "cofunded": (em.EvaluatorCofundedExperience, _l("Experience in co-funded actions"), ("recoded_person_months",)),
    "professional": (em.EvaluatorProfessionalExperience, _l("Professional experience"), ("recoded_person_months",)),
}
RECODE_LABELS = {"recoded_level": _l("Level"), "recoded_hours": _l("Hours"),
                 "recoded_person_months": _l("Person-months")}


def _rows(session: Session, evaluator_id: int, key: str) -> list[Any]:
    model = SECTIONS[key][0]
    return list(session.scalars(select(model).where(model.evaluator_id == evaluator_id).order_by(model.id)))


def _verified(row: Any) -> bool:
    """Only verified values count once the committee has examined the file (E-5)."""
    return row.verification in (Verification.confirmed, Verification.recoded)


def _recoded(row: Any, name: str) -> Any:
    """The value that counts: the committee's re-coded one, else the candidate's."""
    if row.verification is Verification.recoded and getattr(row, f"recoded_{name}", None) is not None:
        return getattr(row, f"recoded_{name}")
    return getattr(row, name)


def _field_code(session: Session, field_id: int | None) -> str | None:
    return session.scalar(select(ThematicField.code).where(ThematicField.id == field_id)) if field_id else None


def eligibility_report(session: Session, evaluator: Evaluator) -> dict[str, Any]:
    """E-1 eligibility and E-2 exclusions of the file (the evaluators' service), each with
    its reasons in words; rows the committee did not confirm do not count."""
    return {"available": True,
            "eligibility": evaluators.reason_texts(evaluators.eligibility_reasons(session, evaluator),
                                                   evaluators.ELIGIBILITY_LABELS),
            "exclusions": evaluators.reason_texts(evaluators.exclusion_reasons(session, evaluator),
                                                  evaluators.EXCLUSION_LABELS)}


def _describe(key: str, row: Any) -> str:
    if key == "degree":
        return f"{row.title} — {row.institution} ({row.kind.value.upper()}, {row.awarded_on:%d/%m/%Y})"
    if key == "postgraduate":
        return f"{row.title} — {row.institution} ({row.level.value}, {row.awarded_on:%d/%m/%Y})"
    if key == "training":
        return f"{row.title} — {row.provider}, {row.hours} h"
    if key == "language":
        return f"{row.language}: {row.level.value}{' ✓' if row.proficiency else ''}"
    return f"{row.employer}: {row.start_month:%m/%Y}–{row.end_month:%m/%Y}, {row.person_months}"


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def verification_rows(session: Session, evaluator: Evaluator) -> list[dict[str, Any]]:
    """E-5: every verifiable row of the file with the candidate's values, the
    committee's re-coded values and the verification state."""
    out = []
    choices = [(v.value, str(VERIFICATION_LABELS[v])) for v in Verification if v is not Verification.pending]
    for key, (_model, label, recodable) in SECTIONS.items():
        for row in _rows(session, evaluator.id, key):
            values = {f: _plain(getattr(row, f)) for f in recodable}
            out.append({
                "ref": f"{key}:{row.id}", "section": str(label), "candidate": _describe(key, row),
                "committee": ", ".join(f"{RECODE_LABELS[f]}: {v}" for f, v in values.items() if v is not None),
                "documents": str(row.document) if row.document else "",
                "state": str(VERIFICATION_LABELS[row.verification]), "choices": choices,
                "recodable": [{"name": f, "label": str(RECODE_LABELS[f]), "value": "" if v is None else v}
                              for f, v in values.items()],
            })
    return out


def _recode_value(key: str, name: str, raw: str, row: Any) -> Any:
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        if name == "recoded_hours":
            value = int(raw)
            if not 0 < value <= 10_000:
                raise ValueError
            return value
        if name == "recoded_person_months":
            months = Decimal(raw)
            if not erules.person_months_ok(row.start_month, row.end_month, months):
                raise ValueError
            return months
        enum_cls = em.PostgraduateLevel if key == "postgraduate" else em.LanguageLevel
        return enum_cls(raw)
    except (ValueError, ArithmeticError):
        raise Refused(_l("The re-coded value %(value)s is not valid."), field=name, value=raw) from None


@_rolls_back
def verify_row(session: Session, evaluator: Evaluator, row_ref: str, verification: str, values: dict[str, Any]) -> None:
    """E-5: confirm a row against its document, re-code it (the candidate's value stays,
    the committee's goes into recoded_*) or mark it not confirmed."""
    _lock_evaluator(session, evaluator)
    _require_examination(evaluator, session)
    _key, row, state, recoded = _verification_input(session, evaluator, row_ref, verification, values)
    row.verification = state
    for name, value in recoded.items():
        setattr(row, name, value)
    session.commit()


def can_verify(session: Session, evaluator: Evaluator) -> bool:
    try:
        _require_examination(evaluator, session)
    except Refused:
        return False
    return True


def pending_verifications(session: Session, evaluator_id: int) -> int:
    return sum(1 for key in SECTIONS for r in _rows(session, evaluator_id, key)
               if r.verification is Verification.pending)


def form_i3_pdf(session: Session, evaluator: Evaluator) -> bytes:
    with force_locale("el"):
        return _form_i3_pdf(session, evaluator)


def _form_i3_pdf(session: Session, evaluator: Evaluator) -> bytes:
    from reports.committee import form_i3_document
    history = [d for d in decision_history(session, evaluator.id)
               if d.kind in (DecisionKind.in_principle, DecisionKind.not_admitted)]
    first = history[-1] if history else None
    marks = current_interview(session, evaluator.id)
    names: dict[RecognitionKind, list[Any]] = {
        k: [o for r in current_recognitions(session, evaluator.id, k)
            if (o := r.thematic_field or r.target_group or r.region) is not None]
        for k in RecognitionKind}
    recognitions = [(gettext("Thematic fields"), [o.name_el for o in names[RecognitionKind.field]]),
                    (gettext("Target groups"), [o.name_el for o in names[RecognitionKind.group]]),
                    (gettext("Regions"), [o.name_el for o in names[RecognitionKind.region]])]
    labels = {"decision": str(DECISION_LABELS[first.kind]) if first else "—",
              "criteria": [(c, str(CRITERION_LABELS[c])) for c in rules.INTERVIEW_CRITERIA]}
    return form_i3_document(evaluator, first, marks, recognitions, labels)


# --- E-6: recognition --------------------------------------------------------------------

def field_group_map() -> dict[str, set[str]]:
    """Ours (E-6): thematic field / degree subject code → target group codes it supports."""
    out: dict[str, set[str]] = {}
    with FIELD_GROUPS_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["field_code"], set()).add(row["target_group_code"])
    return out


def current_recognitions(session: Session, evaluator_id: int, kind: RecognitionKind | None = None) -> list[Recognition]:
    stmt = select(Recognition).where(Recognition.evaluator_id == evaluator_id, Recognition.replaced_at.is_(None))
    if kind is not None:
        stmt = stmt.where(Recognition.kind == kind)
    return list(session.scalars(stmt.order_by(Recognition.kind, Recognition.position)))


def _replace_recognitions(session: Session, evaluator_id: int, kind: RecognitionKind, ids: list[int],
                          reason: str | None) -> None:
    now = utcnow()
    session.execute(update(Recognition).where(Recognition.evaluator_id == evaluator_id, Recognition.kind == kind,
                                              Recognition.replaced_at.is_(None)).values(replaced_at=now))
    column = {RecognitionKind.field: "thematic_field_id", RecognitionKind.group: "target_group_id",
              RecognitionKind.region: "region_id"}[kind]
    for position, ref in enumerate(ids, start=1):
        session.add(Recognition(evaluator_id=evaluator_id, kind=kind, position=position, reason=reason,
                                **{column: ref}))


def evaluator_sources(session: Session, evaluator: Evaluator) -> dict[str, Any]:
    """What the verified file says for E-6 (ours, documented in the README): the
    thematic fields of the verified degrees and postgraduate degrees (degree subject),
    of the verified professional experience, and of the verified co-funded actions (the
    experience with target groups); the preferred target groups and regions in the
    evaluator's order."""
    def fields(key: str) -> list[str | None]:
        return [_field_code(session, _recoded(r, "thematic_field_id") if key == "postgraduate" else r.thematic_field_id)
                for r in _rows(session, evaluator.id, key) if _verified(r)]

    groups = session.scalars(select(TargetGroup.code).join(
        em.EvaluatorGroupPreference, em.EvaluatorGroupPreference.target_group_id == TargetGroup.id).where(
        em.EvaluatorGroupPreference.evaluator_id == evaluator.id).order_by(em.EvaluatorGroupPreference.priority))
    regions = list(session.scalars(select(em.EvaluatorRegionPreference.region_id).where(
        em.EvaluatorRegionPreference.evaluator_id == evaluator.id).order_by(em.EvaluatorRegionPreference.priority)))
    if not regions and evaluator.region_id:
        regions = [evaluator.region_id]  # no ranked preference: the region of residence
    return {"degree_fields": [c for c in fields("degree") + fields("postgraduate") if c],
            "experience_fields": [c for c in fields("professional") if c],
            "group_experience_fields": [c for c in fields("cofunded") if c],
            "preferred_groups": list(groups), "preferred_regions": regions}


def proposed_groups(session: Session, evaluator: Evaluator) -> list[TargetGroup]:
    """E-6: the target groups recognised automatically (≤5)."""
    sources = evaluator_sources(session, evaluator)
    mapping = field_group_map()

    def groups(key: str) -> set[str]:
        return {g for code in sources[key] for g in mapping.get(str(code), ())}

    codes = rules.proposed_target_groups(groups("degree_fields"), groups("experience_fields"),
                                         groups("group_experience_fields"),
                                         [str(c) for c in sources["preferred_groups"]])
    by_code = {g.code: g for g in session.scalars(select(TargetGroup))}
    return [by_code[c] for c in codes if c in by_code]


def proposed_regions(session: Session, evaluator: Evaluator) -> list[Region]:
    ids = rules.recognised_regions(evaluator_sources(session, evaluator)["preferred_regions"])
    by_id = {r.id: r for r in session.scalars(select(Region).where(Region.id.in_(ids)))} if ids else {}
    return [by_id[i] for i in ids if i in by_id]


@_rolls_back
def recognise(session: Session, evaluator: Evaluator, field_ids: list[int], reason: str | None = None) -> None:
    """E-6: the committee's thematic fields (≤4); target groups (≤5) and regions (≤6, in
    the evaluator's order) are set automatically at the same time. A second
    recognition replaces the first; the replaced rows stay with `replaced_at`."""
    _lock_evaluator(session, evaluator)
    if evaluator.status not in (EvaluatorStatus.under_examination, EvaluatorStatus.enrolled):
        raise Refused(_l("Recognition is for files under examination or enrolled."), status=409)
    problems = rules.field_problems(field_ids)
    if "duplicate" in problems:
        raise Refused(_l("A thematic field is chosen twice."), field="fields")
    if "too_many" in problems:
        raise Refused(_l("At most %(n)d thematic fields may be recognised."), field="fields", n=rules.MAX_FIELDS)
    known = set(session.scalars(select(ThematicField.id).where(ThematicField.id.in_(field_ids or [-1]))))
    if known != set(field_ids):
        raise Refused(_l("Unknown thematic field."), field="fields")
    had = current_recognitions(session, evaluator.id)
    text = _reasons(reason, required=bool(had) and evaluator.status is EvaluatorStatus.enrolled)
    _replace_recognitions(session, evaluator.id, RecognitionKind.field, list(field_ids), text)
    _replace_recognitions(session, evaluator.id, RecognitionKind.group,
                          [g.id for g in proposed_groups(session, evaluator)], text)
    _replace_recognitions(session, evaluator.id, RecognitionKind.region,
                          [r.id for r in proposed_regions(session, evaluator)], text)
    session.commit()


# --- E-5: validation: enrolment or rejection ---------------------------------------------

@_rolls_back
def validate(session: Session, evaluator: Evaluator, user_id: int | None, reasons: str | None = None) -> Decision:
    """E-5: validation by the committee → enrolled with ΒΕ (E-7). Needs the in-principle
    inclusion, the interview and the recognition of at least one thematic field."""
    _lock_evaluator(session, evaluator)
    _require_examination(evaluator)
    current = current_decision(session, evaluator.id)
    if current is None or current.kind is not DecisionKind.in_principle:
        raise Refused(_l("First record the in-principle inclusion (form I.3)."), status=409)
    marks = current_interview(session, evaluator.id)
    if marks is None:
        raise Refused(_l("First record the interview marks."), status=409)
    if not current_recognitions(session, evaluator.id, RecognitionKind.field):
        raise Refused(_l("First recognise the thematic fields."), status=409)
    pending = pending_verifications(session, evaluator.id)
    if pending:
        raise Refused(_l("%(n)d rows of the file are not verified yet."), status=409, n=pending)
    # E-7: ΒΕ1/ΒΕ2 from the verified rows, ΒΕ3 from the interview; a registry number.
    evaluators.enrol(session, evaluator, marks.score, user_id=user_id, commit=False)
    d = _add_decision(session, evaluator, DecisionKind.enrolled, _reasons(reasons, False), user_id,
                      _agenda_session_id(session, evaluator), supersedes=current, entry_score=evaluator.entry_score)
    session.commit()
    notify_candidate(evaluator, d)
    return d


@_rolls_back
def reject(session: Session, evaluator: Evaluator, reasons: str | None, user_id: int | None) -> Decision:
    """E-5: the committee rejects the application, with reasons; the candidate is told."""
    _lock_evaluator(session, evaluator)
    _require_examination(evaluator)
    text = _reasons(reasons, required=True)
    current = current_decision(session, evaluator.id)
    d = _add_decision(session, evaluator, DecisionKind.rejected, text, user_id,
                      _agenda_session_id(session, evaluator), supersedes=current)
    evaluator.status = EvaluatorStatus.rejected
    session.commit()
    notify_candidate(evaluator, d)
    return d


def notify_candidate(evaluator: Evaluator, decision: Decision) -> bool:
    """Tell the candidate by e-mail, as a background job queued after the commit: a mail
    failure never undoes the decision; the job records the error and can be retried.
    True when the mail went (at once where jobs run immediately)."""
    if not evaluator.email:
        return False
    job = jobs.enqueue("decision_mail", {"decision_id": decision.id, "evaluator_id": evaluator.id})
    return job is not None and job.state is JobState.succeeded


def decision_mail_job(session: Session, params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    decision = session.get(Decision, int(params["decision_id"]))
    if decision is None:
        raise Refused(_l("Record not found."), status=404)
    evaluator = session.get_one(Evaluator, decision.evaluator_id)
    progress(0, 1)
    with force_locale("el"):
        subject = gettext("Evaluator registry: %(decision)s", decision=str(DECISION_LABELS[decision.kind]))
        text = render_template("committee/decision_mail.txt", evaluator=evaluator, decision=decision,
                               label=str(DECISION_LABELS[decision.kind]))
    try:
        mail.send_mail(evaluator.email or "", subject, text)
    except mail.MailError:
        log.exception("decision mail to evaluator %s not sent", evaluator.id)
        raise Refused(_l("The mail server did not accept the mail; retry the job later.")) from None
    progress(1, 1)
    return {"to": evaluator.email, "decision": decision.id}


jobs.register_handler("decision_mail", decision_mail_job, label=_l("Decision mail to a candidate"),
                      target=lambda params: ("ApplicationProcessingView.show", {"pk": params["evaluator_id"]}),
                      describe=lambda result: gettext("Mail sent to %(to)s.", to=result["to"]))


# --- corrections after enrolment (a new, reasoned, audited entry; nothing deleted) --------

CORRECTABLE = (EvaluatorStatus.enrolled, EvaluatorStatus.inactive)
CORRECTION_LABELS = {
    CorrectionKind.interview: _l("Interview marks (BE3)"),
    CorrectionKind.verification: _l("Verification of a row (BE1/BE2)"),
    CorrectionKind.decision: _l("Decision"),
}
NOTHING_TO_CORRECT = _l("The corrected values are the same as the current ones: nothing to correct.")


def _require_correctable(evaluator: Evaluator) -> None:
    if evaluator.status not in CORRECTABLE:
        raise Refused(_l("Scores are corrected this way once the evaluator is enrolled; during the examination "
                         "record the marks or the verification again."), status=409)


def _json(value: Any) -> Any:
    """A value as the correction's JSON keeps it."""
    value = _plain(value)
    return str(value) if isinstance(value, Decimal) else value


def _follow_entry_score(session: Session, evaluator: Evaluator) -> None:
    """What derives from ΒΕ follows it in the same transaction: ΒΕ1/ΒΕ2/ΒΕ (E-7) and ΒΚ
    (E-13: ΒΕ with no closed cycle, else 0.3 × ΒΕ + 0.7 × mean ΒΑ). The nominal tables
    are read from these columns, so their order follows too."""
    session.flush()
    evaluators.recompute_entry_scores(session, [evaluator.id])
    session.refresh(evaluator)
    performance = list(session.scalars(
        select(Participation.score).join(EvaluationCycle, EvaluationCycle.id == Participation.cycle_id)
        .where(Participation.evaluator_id == evaluator.id, EvaluationCycle.status == CycleStatus.closed,
               Participation.score.is_not(None))))
    if performance and evaluator.entry_score is not None:
        evaluator.ranking_score = evaluation_rules.ranking_score(
            evaluator.entry_score, [p for p in performance if p is not None])
        session.flush()


def _record_correction(session: Session, evaluator: Evaluator, kind: CorrectionKind, subject: str, before: dict[str, Any],
                       after: dict[str, Any], entry_score_before: Decimal | None, reason: str | None,
                       user_id: int | None) -> Correction:
    row = Correction(evaluator_id=evaluator.id, kind=kind, subject=subject, before=before, after=after,
                     entry_score_before=entry_score_before, entry_score_after=evaluator.entry_score, reason=reason,
                     corrected_by_id=user_id, corrected_at=utcnow())
    session.add(row)
    session.flush()
    audit.record_action(session, f"correct_{kind.value}", evaluator, details={
        "subject": subject, "before": before, "after": after, "reason": reason,
        "entry_score": [_json(entry_score_before), _json(evaluator.entry_score)]})
    return row


def corrections_of(session: Session, evaluator_id: int) -> list[Correction]:
    return list(session.scalars(select(Correction).where(Correction.evaluator_id == evaluator_id)
                                .order_by(Correction.corrected_at, Correction.id)))


def correction_rows(session: Session, evaluator_id: int) -> list[dict[str, Any]]:
    """The corrections in words for the evaluator's history: when, who, what, before,
    after, ΒΕ before and after, why."""
    from models.users import AppUser

    names: dict[int, str] = {row[0]: row[1] for row in session.execute(select(AppUser.id, AppUser.username))}

    def words(values: dict[str, Any]) -> str:
        parts = []
        for key, value in values.items():
            label = CRITERION_LABELS.get(key) or RECODE_LABELS.get(key) or {
                "verification": _l("Verification"), "decision": _l("Decision"), "status": _l("Status"),
                "score": _l("Interview score (BE3)")}.get(key, key)
            if key == "verification" and value:
                value = VERIFICATION_LABELS[Verification(value)]
            elif key == "decision" and value:
                value = DECISION_LABELS[DecisionKind(value)]
            elif key == "status" and value:
                value = STATUS_LABELS[EvaluatorStatus(value)]
            parts.append(f"{label}: {'—' if value in (None, '') else value}")
        return "; ".join(parts) or "—"

    return [{"at": c.corrected_at, "by": names.get(c.corrected_by_id or 0, "—"), "what": CORRECTION_LABELS[c.kind],
             "subject": c.subject, "before": words(c.before), "after": words(c.after),
             "be_before": _fmt(c.entry_score_before), "be_after": _fmt(c.entry_score_after), "reason": c.reason}
            for c in corrections_of(session, evaluator_id)]


@_rolls_back
def correct_interview(session: Session, evaluator: Evaluator, marks: dict[str, Any], reason: str | None,
                      user_id: int | None) -> Correction:
    """ΒΕ3 of an enrolled (or inactive) evaluator corrected: the four marks 0–100 again,
    with a reason. A new marks row supersedes the current one (which stays), ΒΕ and ΒΚ
    are recomputed in the same transaction, and the correction is kept with ΒΕ before
    and after."""
    _lock_evaluator(session, evaluator)
    _require_correctable(evaluator)
    _check_marks(marks)
    text = _reasons(reason, required=True)
    previous = current_interview(session, evaluator.id)
    new = {c: int(marks[c]) for c in rules.INTERVIEW_CRITERIA}
    before = ({c: getattr(previous, c) for c in rules.INTERVIEW_CRITERIA} if previous is not None else {})
    before["score"] = _json(evaluator.interview_score)
    if previous is not None and {c: before[c] for c in rules.INTERVIEW_CRITERIA} == new:
        raise Refused(NOTHING_TO_CORRECT, status=409)
    row = InterviewMarks(evaluator_id=evaluator.id, session_id=previous.session_id if previous else None,
                         score=rules.interview_score(new), reason=text, recorded_by_id=user_id,
                         supersedes_id=previous.id if previous else None, **new)
    session.add(row)
    _save(session, _l("The marks were changed at the same time; reload the page."), flush=True)
    be_before = evaluator.entry_score
    evaluator.interview_score = row.score
    _follow_entry_score(session, evaluator)
    correction = _record_correction(session, evaluator, CorrectionKind.interview, f"interview_marks:{row.id}",
                                    before, {**new, "score": _json(row.score)}, be_before, text, user_id)
    _save(session, _l("The marks were changed at the same time; reload the page."))
    return correction


def _verification_input(session: Session, evaluator: Evaluator, row_ref: str, verification: str,
                        values: dict[str, Any]) -> tuple[str, Any, Verification, dict[str, Any]]:
    """The row a verification names (the file's own only) and the state and re-coded
    values asked for, checked."""
    key, _, raw_id = (row_ref or "").partition(":")
    if key not in SECTIONS or not raw_id.isdigit():
        raise Refused(_l("Record not found."), status=404)
    model, _label, recodable = SECTIONS[key]
    row = session.get(model, int(raw_id))
    if row is None or row.evaluator_id != evaluator.id:
        raise Refused(_l("Record not found."), status=404)
    try:
        state = Verification(verification)
    except ValueError:
        raise Refused(_l("Choose the verification."), field="verification") from None
    if state is Verification.pending:
        raise Refused(_l("Choose the verification."), field="verification")
    recoded = {f: _recode_value(key, f, values.get(f, ""), row) for f in recodable}
    if state is Verification.recoded and not any(v is not None for v in recoded.values()):
        raise Refused(_l("A re-coded row needs the committee's value."), field="verification")
    return key, row, state, {f: (v if state is Verification.recoded else None) for f, v in recoded.items()}


@_rolls_back
def correct_verification(session: Session, evaluator: Evaluator, row_ref: str, verification: str, values: dict[str, Any],
                         reason: str | None, user_id: int | None) -> Correction:
    """A verified value that feeds ΒΕ1/ΒΕ2 corrected after enrolment (E-5, E-7): the
    candidate's value stays, the committee's verdict changes, the correction keeps the
    verdict before and after with the reason; ΒΕ and ΒΚ follow in the same transaction."""
    _lock_evaluator(session, evaluator)
    _require_correctable(evaluator)
    text = _reasons(reason, required=True)
    key, row, state, recoded = _verification_input(session, evaluator, row_ref, verification, values)
    before = {"verification": row.verification.value, **{f: _json(getattr(row, f)) for f in recoded}}
    after = {"verification": state.value, **{f: _json(v) for f, v in recoded.items()}}
    if before == after:
        raise Refused(NOTHING_TO_CORRECT, status=409)
    be_before = evaluator.entry_score
    row.verification = state
    for name, value in recoded.items():
        setattr(row, name, value)
    _follow_entry_score(session, evaluator)
    correction = _record_correction(session, evaluator, CorrectionKind.verification, f"{key}:{row.id}", before,
                                    after, be_before, text, user_id)
    session.commit()
    return correction


def decision_choices(session: Session, evaluator: Evaluator) -> list[tuple[str, str]]:
    """The decisions the current one may be corrected into, as (value, label)."""
    return [(k, str(DECISION_LABELS[DecisionKind(k)]))
            for k in rules.decision_corrections(_decision_in_force(session, evaluator))]


def _decision_in_force(session: Session, evaluator: Evaluator) -> str | None:
    """The current decision's kind; an enrolled (or inactive) file entered without a
    recorded decision (imported, demo) stands as enrolled."""
    current = current_decision(session, evaluator.id)
    if current is not None:
        return current.kind.value
    return DecisionKind.enrolled.value if evaluator.status in CORRECTABLE else None


@_rolls_back
def correct_decision(session: Session, evaluator: Evaluator, new_kind: str, reasons: str | None,
                     user_id: int | None) -> Decision:
    """A decision corrected by a new, reasoned decision that supersedes it (the old one
    stays in the history and in the minutes, marked): not admitted → admitted after all,
    admitted → not admitted, rejected → examined again, enrolled → rejected. The file's
    status follows (with its own history); the candidate is told."""
    _lock_evaluator(session, evaluator)
    current = current_decision(session, evaluator.id)
    in_force = _decision_in_force(session, evaluator)
    if in_force is None:
        raise Refused(_l("There is no decision to correct."), status=409)
    try:
        kind = DecisionKind(new_kind)
    except ValueError:
        raise Refused(_l("Choose the corrected decision."), field="kind") from None
    if not rules.decision_correction_allowed(in_force, kind.value):
        raise Refused(_l("This decision cannot be corrected into that one."), field="kind", status=409)
    text = _reasons(reasons, required=True)
    if kind is DecisionKind.in_principle:
        checks = eligibility_report(session, evaluator)
        problems = checks["eligibility"] + checks["exclusions"]
        if problems:  # E-1, E-2 as for a first admission
            raise Refused(_l("The candidate cannot be admitted: %(reasons)s."), status=409,
                          reasons="; ".join(problems))
    status_before = evaluator.status
    be_before = evaluator.entry_score
    d = _add_decision(session, evaluator, kind, text, user_id, _agenda_session_id(session, evaluator),
                      supersedes=current, entry_score=evaluator.entry_score)
    to = EvaluatorStatus(rules.STATUS_AFTER_CORRECTION[kind.value])
    if evaluator.status is not to:
        evaluators.change_status(session, evaluator, to, text, user_id)
    subject = f"committee_decision:{current.id}" if current is not None else f"committee_decision:new:{d.id}"
    _record_correction(session, evaluator, CorrectionKind.decision, subject,
                       {"decision": in_force, "status": status_before.value},
                       {"decision": kind.value, "status": to.value}, be_before, text, user_id)
    session.commit()
    notify_candidate(evaluator, d)
    return d


# --- E-8: modification requests ----------------------------------------------------------

def own_requests(session: Session, evaluator_id: int) -> list[ModificationRequest]:
    return list(session.scalars(select(ModificationRequest).where(ModificationRequest.evaluator_id == evaluator_id)
                                .order_by(ModificationRequest.filed_at.desc(), ModificationRequest.id.desc())))


def request_forwardable(session: Session, req: ModificationRequest) -> bool:
    rejected = session.scalars(select(ModificationRequest.document_ids).where(
        ModificationRequest.evaluator_id == req.evaluator_id, ModificationRequest.kind == req.kind,
        ModificationRequest.status == ModificationStatus.rejected, ModificationRequest.id != req.id)).all()
    return rules.forwardable(req.document_ids or [], rejected)


def _clean_details(session: Session, kind: ModificationKind, details: dict[str, Any]) -> dict[str, Any]:
    if kind is ModificationKind.personal:
        clean = {k: str(v).strip()[:320] for k, v in details.items() if k in PERSONAL_FIELDS and str(v or "").strip()}
        if not clean:
            raise Refused(_l("Say which personal data change."), field="details")
        return clean
    if kind is ModificationKind.regions:
        try:
            ids = [int(v) for v in details.get("regions", [])]
        except (TypeError, ValueError):
            raise Refused(_l("Unknown region."), field="regions") from None
        if not ids:
            raise Refused(_l("Choose at least one region."), field="regions")
        known = set(session.scalars(select(Region.id).where(Region.id.in_(ids))))
        if known != set(ids):
            raise Refused(_l("Unknown region."), field="regions")
        # E-8: more than 6 asked → the first 6 by priority are kept.
        return {"regions": rules.recognised_regions(ids), "asked": len(ids)}
    return {}


@_rolls_back
def file_modification(session: Session, evaluator: Evaluator, kind: ModificationKind, details: dict[str, Any],
                      document_ids: list[int] | None = None, justification: str | None = None,
                      now: dt.datetime | None = None) -> ModificationRequest:
    """E-8: an enrolled evaluator files a modification request. Regions at most once a
    year, qualifications/experience at most once a semester (rejected requests count
    too: the limit is on filing); an open request of the same kind is superseded (the
    newest wins)."""
    _lock_evaluator(session, evaluator)
    if evaluator.status is not EvaluatorStatus.enrolled:
        raise Refused(_l("Only an enrolled evaluator files modification requests."), status=409)
    now = now or utcnow()
    earlier = session.scalars(select(ModificationRequest.filed_at).where(
        ModificationRequest.evaluator_id == evaluator.id, ModificationRequest.kind == kind,
        ModificationRequest.status != ModificationStatus.superseded)).all()
    if not rules.filing_allowed(kind.value, now.date(), [d.date() for d in earlier]):
        allowed = rules.next_allowed_filing(kind.value, [d.date() for d in earlier])
        raise Refused(_l("A request of this kind may be filed again from %(date)s."), field="kind",
                      status=409, date=allowed.strftime("%d/%m/%Y") if allowed else "—")
    docs = sorted({int(d) for d in (document_ids or [])})
    owned = set(session.scalars(select(em.SupportingDocument.id).where(
        em.SupportingDocument.evaluator_id == evaluator.id, em.SupportingDocument.id.in_(docs)))) if docs else set()
    if owned != set(docs):  # only the evaluator's own documents, whatever ids were posted
        raise Refused(_l("Unknown supporting document."), field="documents")
    req = ModificationRequest(evaluator_id=evaluator.id, kind=kind, filed_at=now,
                              details=_clean_details(session, kind, details or {}), document_ids=docs,
                              justification=(justification or "").strip()[:4000] or None)
    session.add(req)
    session.flush()
    open_ = session.scalars(select(ModificationRequest).where(
        ModificationRequest.evaluator_id == evaluator.id, ModificationRequest.status == ModificationStatus.filed)).all()
    losers = rules.superseded(rules.OpenRequest(r.id, r.kind.value, r.filed_at) for r in open_)
    for r in open_:
        if r.id in losers:
            r.status = ModificationStatus.superseded
    session.commit()
    return req


@_rolls_back
def decide_modification(session: Session, req: ModificationRequest, accept: bool, reasons: str | None,
                        user_id: int | None) -> Decision:
    """The committee's decision on a modification request. Accepted personal data and
    regions are applied at once; accepted qualifications recompute ΒΕ from the verified
    rows (E-8, E-7). Rejected: with reasons."""
    evaluator = req.evaluator
    _lock_evaluator(session, evaluator)
    session.refresh(req)
    if req.status is not ModificationStatus.filed:
        raise Refused(_l("This request was already decided."), status=409)
    text = _reasons(reasons, required=not accept)
    if accept and req.kind is ModificationKind.qualifications:
        pending = pending_verifications(session, evaluator.id)
        if pending:
            raise Refused(_l("%(n)d rows of the file are not verified yet."), status=409, n=pending)
    req.status = ModificationStatus.accepted if accept else ModificationStatus.rejected
    req.decision_reasons, req.decided_at = text, utcnow()
    if accept:
        if req.kind is ModificationKind.personal:
            for key, value in req.details.items():
                setattr(evaluator, key, value)
        elif req.kind is ModificationKind.regions:
            regions = rules.recognised_regions(req.details.get("regions", []))
            _replace_recognitions(session, evaluator.id, RecognitionKind.region, regions, text)
        else:
            # Examined like an application without interview (E-8): the new rows were
            # verified first (checked above), then ΒΕ is recomputed from them (E-7).
            session.flush()
            evaluators.recompute_entry_scores(session, [evaluator.id])
            session.refresh(evaluator)
    session_id = session.scalar(select(AgendaItem.session_id).where(AgendaItem.modification_request_id == req.id))
    d = _add_decision(session, evaluator,
                      DecisionKind.modification_accepted if accept else DecisionKind.modification_rejected,
                      text, user_id, session_id, modification_request_id=req.id, entry_score=evaluator.entry_score)
    session.commit()
    notify_candidate(evaluator, d)
    return d


# --- E-9: selection ----------------------------------------------------------------------

def clean_criteria(session: Session, criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Criteria in priority order, each {"kind": field|group|region, "id": id}, each
    known and listed once."""
    models = {"field": ThematicField, "group": TargetGroup, "region": Region}
    out, seen = [], set()
    for c in criteria:
        kind = c.get("kind")
        try:
            ref = int(c.get("id"))  # type: ignore[arg-type]  # None is refused below as ValueError/TypeError
        except (TypeError, ValueError):
            raise Refused(_l("Unknown criterion."), field="criteria") from None
        if kind not in models or session.get(models[kind], ref) is None:
            raise Refused(_l("Unknown criterion."), field="criteria")
        if (kind, ref) in seen:
            raise Refused(_l("A criterion is listed twice."), field="criteria")
        seen.add((kind, ref))
        out.append({"kind": kind, "id": ref})
    return out


@_rolls_back
def create_request(session: Session, *, body_id: int, subject: str, operational_programme_id: int, criteria: list[dict[str, Any]],
                   wanted: int, deadline: dt.date, filed_on: dt.date, min_score: Decimal | None = None,
                   score_kind: ScoreKind = ScoreKind.entry) -> SelectionRequest:
    if not (subject or "").strip():
        raise Refused(_l("Enter the subject."), field="subject")
    if not isinstance(wanted, int) or wanted < 1:
        raise Refused(_l("The number of evaluators must be at least 1."), field="wanted")
    if deadline < filed_on:
        raise Refused(_l("The deadline cannot be before the request's date."), field="deadline")
    if min_score is not None and not (0 <= min_score <= 100):
        raise Refused(_l("The minimum score must be from 0 to 100."), field="min_score")
    req = SelectionRequest(body_id=body_id, subject=subject.strip()[:500],
                           operational_programme_id=operational_programme_id,
                           criteria=clean_criteria(session, criteria), wanted=wanted, deadline=deadline,
                           filed_on=filed_on, min_score=min_score, score_kind=score_kind)
    session.add(req)
    session.commit()
    return req


def selection_candidates(session: Session, req: SelectionRequest) -> list[rules.Candidate]:
    """Every enrolled or inactive evaluator as the rules see them for `req`."""
    score_col = Evaluator.entry_score if req.score_kind is ScoreKind.entry else Evaluator.ranking_score
    rows = session.execute(select(Evaluator.id, Evaluator.last_name, Evaluator.first_name, score_col,
                                  Evaluator.status, Evaluator.level)
                           .where(Evaluator.status.in_([EvaluatorStatus.enrolled, EvaluatorStatus.inactive]))).all()
    recog: dict[int, dict[str, set[int]]] = {}
    for ev_id, kind, f, g, r in session.execute(
            select(Recognition.evaluator_id, Recognition.kind, Recognition.thematic_field_id,
                   Recognition.target_group_id, Recognition.region_id).where(Recognition.replaced_at.is_(None))):
        slot = recog.setdefault(ev_id, {"field": set(), "group": set(), "region": set()})
        slot[kind.value].add(f or g or r)
    service = set(session.scalars(select(EvaluatorRelation.evaluator_id).where(
        EvaluatorRelation.kind.in_([RelationKind.service_head, RelationKind.service_staff]),
        EvaluatorRelation.operational_programme_id == req.operational_programme_id)))
    body = set(session.scalars(select(EvaluatorRelation.evaluator_id).where(
        EvaluatorRelation.kind == RelationKind.body, EvaluatorRelation.body_id == req.body_id)))
    # Rotation: selections in the latest run of every other request (a re-run replaces
    # its request's earlier runs; the request's own runs do not count for itself).
    latest = (select(func.max(SelectionRun.id)).where(SelectionRun.request_id != req.id)
              .group_by(SelectionRun.request_id))
    past: dict[int, int] = {row[0]: row[1] for row in session.execute(
        select(SelectionResult.evaluator_id, func.count()).where(
            SelectionResult.selected.is_(True), SelectionResult.run_id.in_(latest))
        .group_by(SelectionResult.evaluator_id))}
    out = []
    for ev_id, last, first, score, status, level in rows:
        r = recog.get(ev_id, {"field": set(), "group": set(), "region": set()})
        out.append(rules.Candidate(
            id=ev_id, name=f"{last} {first}", score=score, fields=frozenset(r["field"]),
            groups=frozenset(r["group"]), regions=frozenset(r["region"]),
            active=status is EvaluatorStatus.enrolled, level_c=level is PerformanceLevel.C,
            special_service=ev_id in service, body_relation=ev_id in body, past_selections=past.get(ev_id, 0)))
    return out


@_rolls_back
def run_selection(session: Session, req: SelectionRequest, user_id: int | None, seed: str | None = None,
                  reason: str | None = None) -> SelectionRun:
    """E-9: rank the evaluators for a body's request and store the nominal table and the
    auxiliary table of those kept out, with the seed of the draw. A new run keeps the
    earlier ones; rotation counts selections of earlier runs of other requests only."""
    session.execute(select(SelectionRequest.id).where(SelectionRequest.id == req.id).with_for_update())
    seed = seed or secrets.token_hex(16)
    criteria = [rules.Criterion(c["kind"], int(c["id"])) for c in req.criteria]
    earlier = session.scalar(select(func.count()).select_from(SelectionRun).where(SelectionRun.request_id == req.id))
    if earlier:
        _reasons(reason, required=True)  # a re-run is a correction: reasoned
    candidates = selection_candidates(session, req)
    result = rules.select(candidates, criteria, req.wanted, seed, req.min_score)
    run = SelectionRun(request_id=req.id, seed=seed, run_by_id=user_id, reason=(reason or "").strip() or None)
    session.add(run)
    session.flush()
    session.add_all(SelectionResult(run_id=run.id, evaluator_id=r.candidate.id, rank=r.rank, selected=r.selected,
                                    met="".join("1" if m else "0" for m in r.met), score=r.candidate.score,
                                    past_selections=r.candidate.past_selections, draw=r.draw)
                    for r in result.ranked)
    session.add_all(SelectionExclusion(run_id=run.id, evaluator_id=c.id, reasons=",".join(reasons))
                    for c, reasons in result.excluded)
    audit.record_action(session, "selection_run", run, details={"request": req.id, "seed": seed,
                                                                "ranked": len(result.ranked)})
    session.commit()
    return run


def latest_run(session: Session, req: SelectionRequest) -> SelectionRun | None:
    return session.scalars(select(SelectionRun).where(SelectionRun.request_id == req.id)
                           .order_by(SelectionRun.id.desc()).limit(1)).first()


def criteria_labels(session: Session, req: SelectionRequest) -> list[str]:
    models: dict[str, Any] = {"field": ThematicField, "group": TargetGroup, "region": Region}
    out = []
    for position, c in enumerate(req.criteria, start=1):
        obj = session.get(models[c["kind"]], c["id"])
        out.append(f"{position}. {KIND_LABELS[c['kind']]}: {obj.name_el if obj else '—'}")
    return out


@jobs.report_handler("selection_pdf", label=_l("Selection nominal table (PDF)"), model=SelectionRequest,
                     permission=("can_show", "SelectionRequestView"),
                     filename=lambda params: f"selection-{params['pk']}-{params['run']}.pdf",
                     target=lambda params: ("SelectionRequestView.show", {"pk": params["pk"]}))
def selection_pdf_job(session: Session, params: dict[str, Any], progress: jobs.Progress, out: IO[bytes],
                      workdir: Path) -> None:
    """The whole nominal table of a run (every ranked evaluator, as in the CSV) and its
    auxiliary table, rendered in parts (reports.jobs)."""
    from reports.jobs import write_pdf_in_parts
    req = session.get(SelectionRequest, int(params["pk"]))
    run = session.get(SelectionRun, int(params["run"]))
    if req is None or run is None or run.request_id != req.id:
        raise Refused(_l("Record not found."), status=404)
    with force_locale("el"):
        nominal = nominal_rows(run)
        context = dict(req=req, run=run, criteria=criteria_labels(session, req), nominal_headers=nominal_headers(),
                       auxiliary_headers=auxiliary_headers(), auxiliary=auxiliary_rows(run))
    write_pdf_in_parts(out, workdir, "committee/pdf_selection.html", nominal, progress, **context)  # type: ignore[arg-type]


def _session_of(session: Session, params: dict[str, Any]) -> CommitteeSession:
    cs = session.get(CommitteeSession, int(params["pk"]))
    if cs is None:
        raise Refused(_l("Record not found."), status=404)
    return cs


def _session_pdf_job(kind: str, label: Any, name: str,
                     render: Callable[[Session, CommitteeSession], bytes]) -> None:
    """A session's one-piece PDF (agenda, minutes) as a report job."""

    def build(session: Session, params: dict[str, Any], progress: jobs.Progress, out: IO[bytes],
              workdir: Path) -> None:
        progress(0, 1)
        out.write(render(session, _session_of(session, params)))
        progress(1, 1)

    jobs.report_handler(kind, label=label, model=CommitteeSession, permission=("can_show", "CommitteeSessionView"),
                        filename=lambda params: f"{name}-{params['pk']}.pdf",
                        target=lambda params: ("CommitteeSessionView.show", {"pk": params["pk"]}))(build)


_session_pdf_job("committee_agenda_pdf", _l("Session agenda (PDF)"), "agenda", agenda_pdf)
_session_pdf_job("committee_minutes_pdf", _l("Session minutes (PDF)"), "minutes", minutes_pdf)


def exclusion_text(codes: str) -> str:
    return "; ".join(str(EXCLUSION_LABELS.get(c, c)) for c in codes.split(",") if c)


def nominal_rows(run: SelectionRun) -> list[list[Any]]:
    return [[r.rank, r.evaluator.registry_no, r.evaluator.full_name, _fmt(r.score),
             " ".join("✓" if ch == "1" else "✗" for ch in r.met) or "—", r.past_selections,
             gettext("Yes") if r.selected else gettext("No"), r.draw[:12]] for r in run.results]


def nominal_csv_rows(run: SelectionRun) -> list[list[Any]]:
    """The nominal table for the CSV: the score with a decimal point (machine-readable)
    and an empty cell, not «—», where there is nothing (a dash breaks sums and imports)."""
    return [[r.rank, r.evaluator.registry_no, r.evaluator.full_name,
             None if r.score is None else f"{r.score:.2f}",
             " ".join("✓" if ch == "1" else "✗" for ch in r.met) or None, r.past_selections,
             bool(r.selected), r.draw[:12]] for r in run.results]


def nominal_headers() -> list[str]:
    return [gettext("Rank"), gettext("Registry no."), gettext("Full name"), gettext("Score"),
            gettext("Criteria met"), gettext("Past selections"), gettext("Selected"), gettext("Draw")]


def auxiliary_rows(run: SelectionRun) -> list[list[Any]]:
    return [[x.evaluator.registry_no, x.evaluator.full_name, exclusion_text(x.reasons)]
            for x in sorted(run.exclusions, key=lambda x: x.evaluator.registry_no or "")]


def auxiliary_headers() -> list[str]:
    return [gettext("Registry no."), gettext("Full name"), gettext("Reasons")]


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


# --- home page ---------------------------------------------------------------------------

def home_summary(session: Session, user: Any) -> list[dict[str, Any]]:
    """Committee: applications waiting for a session, under examination, the next session."""
    roles = {r.name for r in getattr(user, "roles", [])}
    if "Committee" not in roles and "Admin" not in roles:
        return []
    counts: dict[EvaluatorStatus, int] = {row[0]: row[1] for row in session.execute(
        select(Evaluator.status, func.count()).where(Evaluator.status.in_(
            [EvaluatorStatus.submitted, EvaluatorStatus.under_examination])).group_by(Evaluator.status))}
    items = [
        {"title": gettext("Applications awaiting a session"), "count": counts.get(EvaluatorStatus.submitted, 0),
         "text": gettext("Submitted, not yet on an agenda"), "url": "/committee/application/list/"},
        {"title": gettext("Applications under examination"),
         "count": counts.get(EvaluatorStatus.under_examination, 0),
         "text": gettext("On a session's agenda"), "url": "/committee/application/list/"},
    ]
    nxt = next_session(session, dt.date.today())
    items.append({"title": gettext("Next session"),
                  "text": nxt.held_on.strftime("%d/%m/%Y") if nxt else "—",
                  "url": f"/committeesessionview/show/{nxt.id}" if nxt else "/committeesessionview/list/"})
    return items
