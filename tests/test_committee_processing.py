"""The committee's processing of applications (E-4, E-5, E-6, E-7): sessions and their
agenda, form I.3, the interview, recognition, enrolment or rejection with the mail to
the candidate; corrections never delete."""
import datetime as dt
import email
import email.policy
import io
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from app import committee as service, evaluators
from app.errors import Refused
from models.committee import (
    AgendaItem, CommitteeSession, Decision, DecisionKind, InterviewMarks, Recognition, RecognitionKind,
)
from models import evaluators as em
from models.evaluators import Evaluator, EvaluatorStatus
from models.reference import Region, TargetGroup, ThematicField


def outbox(app):
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def set_filed(session, evaluator_id: int, when: dt.datetime, status=EvaluatorStatus.submitted):
    column = service.filed_column()
    session.execute(update(Evaluator).where(Evaluator.id == evaluator_id)
                    .values({column.key: when, "status": status}))
    session.commit()


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app.appbuilder.session


def examined(session) -> Evaluator:
    """The demo's application on the next session's agenda (under examination)."""
    item = session.scalars(select(AgendaItem).order_by(AgendaItem.id)).first()
    assert item is not None and item.evaluator.status is EvaluatorStatus.under_examination
    return item.evaluator


def new_application(session) -> Evaluator:
    """A submitted application with a known file (form I.2 rows pending verification: a
    degree and professional and co-funded experience in Πληροφορική / Οικονομία, 7 ranked
    regions, 3 target groups), put on a new session's agenda."""
    fields = list(session.scalars(select(ThematicField.id).order_by(ThematicField.code)))
    groups = dict(session.execute(select(TargetGroup.code, TargetGroup.id)).all())
    regions = list(session.scalars(select(Region.id).order_by(Region.code)))
    today = dt.date.today()
    ev = Evaluator(first_name="Δοκιμή", last_name="Υποψήφιος", email="candidate@example.gr",
                   status=EvaluatorStatus.submitted, protocol_no="ΕΜΑ-T/000001",
                   submitted_at=dt.datetime.combine(today, dt.time(9, 0)))
    session.add(ev)
    session.flush()
    start = dt.date(today.year - 6, 1, 1)
    session.add_all([
        em.EvaluatorDegree(evaluator_id=ev.id, institution="Πανεπιστήμιο Αθηνών", country="Ελλάδα",
                           kind=em.DegreeKind.aei, title="Πτυχίο Πληροφορικής", awarded_on=start,
                           thematic_field_id=fields[5]),
        em.EvaluatorProfessionalExperience(evaluator_id=ev.id, employer="Τεχνική Α.Ε.", start_month=start,
                                           end_month=dt.date(today.year - 2, 12, 1), person_months=Decimal("40"),
                                           thematic_field_id=fields[5]),
        em.EvaluatorCofundedExperience(evaluator_id=ev.id, employer="ΚΕΚ Πρόοδος",
                                       start_month=dt.date(today.year - 2, 1, 1),
                                       end_month=dt.date(today.year - 1, 12, 1), person_months=Decimal("20"),
                                       thematic_field_id=fields[4]),
        *(em.EvaluatorRegionPreference(evaluator_id=ev.id, priority=n, region_id=r)
          for n, r in enumerate([regions[i] for i in (4, 0, 7, 2, 9, 1, 12)], start=1)),
        *(em.EvaluatorGroupPreference(evaluator_id=ev.id, priority=n, target_group_id=groups[code])
          for n, code in enumerate(("11", "4", "7"), start=1)),
    ])
    session.commit()
    cs, _ = service.create_session(session, today + dt.timedelta(days=400))
    service.build_agenda(session, cs)
    session.refresh(ev)
    assert ev.status is EvaluatorStatus.under_examination
    return ev


MARKS = {"breadth": 70, "reach": 80, "completeness": 90, "participation": 65}


def test_e4_session_dates_warn_at_the_boundaries(ctx):
    (upcoming,) = ctx.scalars(select(CommitteeSession).order_by(CommitteeSession.held_on.desc()).limit(1))
    # exactly 2 months after the next session: no warning; one day less: a warning
    cs, warnings = service.create_session(ctx, service.rules.add_months(upcoming.held_on, 2))
    assert warnings == []
    cs2, warnings = service.create_session(ctx, service.rules.add_months(cs.held_on, 2) - dt.timedelta(days=1))
    assert len(warnings) == 1 and "2" in warnings[0]
    cs3, warnings = service.create_session(ctx, service.rules.add_months(cs2.held_on, 4) + dt.timedelta(days=1))
    assert len(warnings) == 1 and "4" in warnings[0]
    with pytest.raises(Refused):
        service.create_session(ctx, cs3.held_on)
    assert ctx.scalar(select(func.count()).select_from(CommitteeSession).where(
        CommitteeSession.held_on == cs3.held_on)) == 1


def test_e4_agenda_takes_requests_filed_by_the_cutoff_once(ctx):
    cs, _ = service.create_session(ctx, dt.date.today() + dt.timedelta(days=200))
    cutoff = service.rules.filing_cutoff(cs.held_on)
    on_time, late = ctx.scalars(select(Evaluator.id).where(Evaluator.status == EvaluatorStatus.enrolled)
                                .order_by(Evaluator.id).limit(2)).all()
    set_filed(ctx, on_time, dt.datetime.combine(cutoff, dt.time(23, 59)))  # exactly 10 days before
    set_filed(ctx, late, dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(0, 0)))  # 9 days before
    assert service.build_agenda(ctx, cs) >= 1
    assert service.build_agenda(ctx, cs) == 0  # a second click adds nothing
    on_agenda = set(ctx.scalars(select(AgendaItem.evaluator_id).where(AgendaItem.session_id == cs.id)))
    assert on_time in on_agenda and late not in on_agenda
    assert ctx.get(Evaluator, on_time).status is EvaluatorStatus.under_examination
    assert ctx.get(Evaluator, late).status is EvaluatorStatus.submitted
    text = pdf_text(service.agenda_pdf(ctx, cs))
    assert "Ημερήσια διάταξη" in text and ctx.get(Evaluator, on_time).registry_no in text
    assert cutoff.strftime("%d/%m/%Y") in text


def test_e5_from_agenda_to_enrolled_with_be_and_mail(app, ctx):
    ev = new_application(ctx)
    with pytest.raises(Refused):
        service.validate(ctx, ev, None)  # nothing recorded yet
    service.decide_in_principle(ctx, ev, True, None, None)
    # a refused mark changes nothing
    with pytest.raises(Refused) as exc:
        service.record_interview(ctx, ev, {**MARKS, "reach": 101}, None)
    assert exc.value.field == "reach"
    assert ctx.scalar(select(func.count()).select_from(InterviewMarks)) == 0
    service.record_interview(ctx, ev, MARKS, None)
    with pytest.raises(Refused):  # a correction needs its reason
        service.record_interview(ctx, ev, {**MARKS, "reach": 60}, None)
    service.record_interview(ctx, ev, {**MARKS, "reach": 60}, None, reason="λάθος καταχώριση")
    assert service.current_interview(ctx, ev.id).score == Decimal("71.25")
    assert len(service.interview_history(ctx, ev.id)) == 2  # the corrected one stays
    fields = [f.id for f in ctx.scalars(select(ThematicField).order_by(ThematicField.code))]
    with pytest.raises(Refused):
        service.recognise(ctx, ev, fields[:5])  # E-6: a 5th field is refused
    assert service.current_recognitions(ctx, ev.id) == []
    with pytest.raises(Refused):
        service.validate(ctx, ev, None)  # the file's rows are not verified yet
    rows = {r["section"]: r["ref"] for r in service.verification_rows(ctx, ev)}
    degree, professional, cofunded = (rows["Πτυχίο"], rows["Επαγγελματική εμπειρία"],
                                      rows["Εμπειρία σε συγχρηματοδοτούμενες δράσεις"])
    with pytest.raises(Refused):  # more person-months than the period allows: refused
        service.verify_row(ctx, ev, professional, "recoded", {"recoded_person_months": "999"})
    with pytest.raises(Refused):  # a re-coded row needs the committee's value
        service.verify_row(ctx, ev, professional, "recoded", {})
    service.verify_row(ctx, ev, degree, "confirmed", {})
    service.verify_row(ctx, ev, professional, "recoded", {"recoded_person_months": "30"})
    service.verify_row(ctx, ev, cofunded, "not_confirmed", {})
    prof = ctx.get(em.EvaluatorProfessionalExperience, int(professional.split(":")[1]))
    assert prof.person_months == Decimal("40") and prof.recoded_person_months == Decimal("30")  # both kept
    service.recognise(ctx, ev, fields[:4])
    assert len(service.current_recognitions(ctx, ev.id, RecognitionKind.field)) == 4
    # E-6: groups from the verified degree/experience subjects (Πληροφορική → codes 1, 11),
    # not from the unconfirmed co-funded row; 6 of the 7 ranked regions
    groups = {r.target_group.code for r in service.current_recognitions(ctx, ev.id, RecognitionKind.group)}
    assert groups == {"1", "11"}  # the preferred 11 first, then 1 (by code)
    assert [r.target_group.code for r in service.current_recognitions(ctx, ev.id, RecognitionKind.group)] == [
        "11", "1"]
    preferred = list(ctx.scalars(select(em.EvaluatorRegionPreference.region_id).where(
        em.EvaluatorRegionPreference.evaluator_id == ev.id).order_by(em.EvaluatorRegionPreference.priority)))
    assert len(preferred) == 7
    regions = [r.region_id for r in service.current_recognitions(ctx, ev.id, RecognitionKind.region)]
    assert regions == preferred[:6]
    d = service.validate(ctx, ev, None)
    ctx.refresh(ev)
    assert ev.status is EvaluatorStatus.enrolled and ev.registry_no
    assert d.kind is DecisionKind.enrolled and d.entry_score == ev.entry_score
    # E-7 with the default points table: ΒΕ1 = 20 (one degree), ΒΕ2 = 30 × 0.25 = 7.50,
    # ΒΕ3 = 71.25 → ΒΕ = 0.60 × 27.50 + 0.40 × 71.25 = 45.00
    assert (ev.qualification_score, ev.experience_score, ev.interview_score) == (
        Decimal("20.00"), Decimal("7.50"), Decimal("71.25"))
    assert ev.entry_score == Decimal("45.00")
    (message,) = [m for m in outbox(app) if m["To"] == ev.email]
    assert "Ένταξη στο Μητρώο" in message["Subject"]
    cs = ctx.get(CommitteeSession, d.session_id)
    text = pdf_text(service.minutes_pdf(ctx, cs))
    assert ev.registry_no in text and "Ένταξη στο Μητρώο" in text
    assert "71,25" in pdf_text(service.form_i3_pdf(ctx, ev)).replace(".", ",")
    with pytest.raises(Refused):
        service.validate(ctx, ev, None)  # no longer under examination


def test_e5_reject_needs_reasons_and_keeps_the_history(app, ctx):
    ev = examined(ctx)
    service.decide_in_principle(ctx, ev, True, None, None)
    with pytest.raises(Refused):
        service.reject(ctx, ev, "  ", None)
    ctx.refresh(ev)
    assert ev.status is EvaluatorStatus.under_examination
    service.reject(ctx, ev, "Δεν τεκμηριώνεται η εμπειρία", None)
    ctx.refresh(ev)
    assert ev.status is EvaluatorStatus.rejected
    history = service.decision_history(ctx, ev.id)
    assert [d.kind for d in history] == [DecisionKind.in_principle, DecisionKind.rejected]
    assert history[1].supersedes_id == history[0].id
    assert service.current_decision(ctx, ev.id).kind is DecisionKind.rejected
    assert any("Δεν τεκμηριώνεται" in m.get_content() for m in outbox(app) if m["To"] == ev.email)


def test_e5_not_admitted_in_principle_requires_reasons(ctx):
    ev = examined(ctx)
    with pytest.raises(Refused):
        service.decide_in_principle(ctx, ev, False, "", None)
    assert ctx.scalar(select(func.count()).select_from(Decision)) == 0
    service.decide_in_principle(ctx, ev, False, "Ελλιπής φάκελος", None)
    ctx.refresh(ev)
    assert ev.status is EvaluatorStatus.rejected
    with pytest.raises(Refused):
        service.decide_in_principle(ctx, ev, True, None, None)


def test_e1_e2_eligibility_reasons_block_admission(ctx):
    ev = new_application(ctx)
    assert service.eligibility_report(ctx, ev) == {"available": True, "eligibility": [], "exclusions": []}
    ev.is_ekepis_trainer = True
    ctx.commit()
    report = service.eligibility_report(ctx, ev)
    assert report["exclusions"] == [str(evaluators.EXCLUSION_LABELS["ekepis_trainer"])]
    with pytest.raises(Refused):
        service.decide_in_principle(ctx, ev, True, None, None)
    assert service.current_decision(ctx, ev.id) is None
    ev.is_ekepis_trainer = False
    for row in ctx.scalars(select(em.EvaluatorDegree).where(em.EvaluatorDegree.evaluator_id == ev.id)):
        row.verification = em.Verification.not_confirmed
    ctx.commit()
    assert service.eligibility_report(ctx, ev)["eligibility"] == [
        str(evaluators.ELIGIBILITY_LABELS["no_tertiary_degree"])]


def test_e5_verification_of_another_files_row_is_not_found(ctx):
    ev = examined(ctx)
    other = ctx.scalars(select(em.EvaluatorDegree).where(em.EvaluatorDegree.evaluator_id != ev.id)).first()
    if other is None:
        other = em.EvaluatorDegree(evaluator_id=ctx.scalars(select(Evaluator.id).where(Evaluator.id != ev.id)).first(),
                                   institution="Χ", country="Ελλάδα", kind=em.DegreeKind.aei, title="Χ",
                                   awarded_on=dt.date(2000, 1, 1))
        ctx.add(other)
        ctx.commit()
    before = other.verification
    with pytest.raises(Refused) as exc:
        service.verify_row(ctx, ev, f"degree:{other.id}", "not_confirmed", {})
    assert exc.value.status == 404
    ctx.refresh(other)
    assert other.verification is before and before is not em.Verification.not_confirmed


def test_e6_recognition_replaces_but_keeps_the_old_rows(ctx):
    ev = examined(ctx)
    fields = [f.id for f in ctx.scalars(select(ThematicField).order_by(ThematicField.code))]
    service.recognise(ctx, ev, fields[:2])
    service.recognise(ctx, ev, fields[2:3])
    current = service.current_recognitions(ctx, ev.id, RecognitionKind.field)
    assert [r.thematic_field_id for r in current] == fields[2:3]
    total = ctx.scalar(select(func.count()).select_from(Recognition).where(
        Recognition.evaluator_id == ev.id, Recognition.kind == RecognitionKind.field))
    assert total == 3


def test_home_summary_for_the_committee_only(ctx):
    from models.users import AppUser

    committee = ctx.scalar(select(AppUser).where(AppUser.username == "committee"))
    items = {i["title"]: i for i in service.home_summary(ctx, committee)}
    waiting = ctx.scalar(select(func.count()).select_from(Evaluator).where(
        Evaluator.status == EvaluatorStatus.under_examination))
    assert waiting >= 1 and items["Αιτήσεις υπό εξέταση"]["count"] == waiting
    upcoming = ctx.scalar(select(func.min(CommitteeSession.held_on)).where(CommitteeSession.held_on >= dt.date.today()))
    assert items["Επόμενη συνεδρίαση"]["text"] == upcoming.strftime("%d/%m/%Y")
    evaluator = ctx.scalar(select(AppUser).where(AppUser.username == "evaluator1"))
    assert service.home_summary(ctx, evaluator) == []
