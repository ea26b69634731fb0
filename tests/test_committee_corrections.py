"""Corrections after enrolment (issue #10, E-5, E-7, E-13): ΒΕ3, a verified value and a
decision are corrected by a new, reasoned, audited entry; the old one stays in the
history; ΒΕ (and ΒΚ, and so the nominal tables' order) follows in the same transaction;
a refused correction changes nothing; nobody but the committee can do it."""
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from app import committee as service, evaluators
from app.errors import Refused
from models.audit import AuditEntry
from models.committee import Correction, CorrectionKind, Decision, DecisionKind, InterviewMarks
from models.evaluation import CycleStatus, EvaluationCycle, Participation
from models.evaluators import Evaluator, EvaluatorProfessionalExperience, EvaluatorStatus, Verification
from models.jobs import Job, JobState
from models.users import AppUser

MARKS = {"breadth": 60, "reach": 70, "completeness": 81, "participation": 90}  # ΒΕ3 = 75.25
CENT = Decimal("0.01")


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app.appbuilder.session


def enrolled(session, *, not_user: str = "evaluator1") -> Evaluator:
    """An enrolled demo evaluator with a verified professional-experience row, not the
    file of the `not_user` account (that one attacks it)."""
    own = session.scalar(select(AppUser.evaluator_id).where(AppUser.username == not_user))
    stmt = (select(Evaluator).join(EvaluatorProfessionalExperience,
                                   EvaluatorProfessionalExperience.evaluator_id == Evaluator.id)
            .where(Evaluator.status == EvaluatorStatus.enrolled,
                   EvaluatorProfessionalExperience.verification == Verification.confirmed)
            .order_by(Evaluator.id))
    if own is not None:
        stmt = stmt.where(Evaluator.id != own)
    ev = session.scalars(stmt).first()
    assert ev is not None and ev.entry_score is not None
    return ev


def expected_be(ev: Evaluator) -> Decimal:
    """E-7 recomputed here from the stored parts: 0.60 × (ΒΕ1 + ΒΕ2) + 0.40 × ΒΕ3."""
    total = Decimal("0.60") * (ev.qualification_score + ev.experience_score) + Decimal("0.40") * ev.interview_score
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def expected_bk(session, ev: Evaluator) -> Decimal:
    scores = list(session.scalars(select(Participation.score).join(EvaluationCycle).where(
        Participation.evaluator_id == ev.id, EvaluationCycle.status == CycleStatus.closed,
        Participation.score.is_not(None))))
    if not scores:
        return ev.entry_score
    return (Decimal("0.3") * ev.entry_score + Decimal("0.7") * sum(scores) / len(scores)).quantize(
        CENT, rounding=ROUND_HALF_UP)


def snapshot(session, ev_id: int):
    session.expire_all()
    ev = session.get(Evaluator, ev_id)
    return (ev.status, ev.interview_score, ev.entry_score, ev.ranking_score,
            session.scalar(select(func.count()).select_from(InterviewMarks)),
            session.scalar(select(func.count()).select_from(Correction)),
            session.scalar(select(func.count()).select_from(Decision)))


def test_be3_correction_appends_recomputes_and_keeps_the_old(ctx):
    ev = enrolled(ctx)
    before = snapshot(ctx, ev.id)
    old_be = ev.entry_score
    for marks, reason in (({**MARKS, "reach": 101}, "λάθος"), ({**MARKS, "breadth": -1}, "λάθος"),
                          ({**MARKS, "completeness": "πολύ"}, "λάθος"), (MARKS, "  ")):
        with pytest.raises(Refused):
            service.correct_interview(ctx, ev, marks, reason, None)
        assert snapshot(ctx, ev.id) == before  # a refused correction changes nothing
    correction = service.correct_interview(ctx, ev, MARKS, "Λάθος μεταφορά βαθμών από το πρακτικό", None)
    ctx.expire_all()
    ev = ctx.get(Evaluator, ev.id)
    assert ev.interview_score == Decimal("75.25")
    assert ev.entry_score == expected_be(ev) and ev.ranking_score == expected_bk(ctx, ev)
    assert (correction.kind, correction.entry_score_before, correction.entry_score_after) == (
        CorrectionKind.interview, old_be, ev.entry_score)
    assert correction.after["score"] == "75.25" and correction.reason.startswith("Λάθος")
    current = service.current_interview(ctx, ev.id)
    assert current.score == Decimal("75.25") and current.reason == correction.reason
    # a second correction supersedes the first; both marks rows stay
    service.correct_interview(ctx, ev, {**MARKS, "reach": 50}, "Δεύτερη διόρθωση", None)
    history = service.interview_history(ctx, ev.id)
    assert [m.score for m in history][-2:] == [Decimal("75.25"), Decimal("70.25")]
    assert history[-1].supersedes_id == history[-2].id
    with pytest.raises(Refused):  # the same marks again: nothing to correct
        service.correct_interview(ctx, ev, {**MARKS, "reach": 50}, "πάλι", None)
    rows = service.correction_rows(ctx, ev.id)
    assert len(rows) == 2 and "75,25" not in rows[0]["be_before"]
    assert ctx.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "action:correct_interview", AuditEntry.record_id == str(ev.id))) == 2
    # the nominal table (E-14) is read from ΒΕ: its order follows the correction
    table = evaluators.nominal_table(ctx)
    mine = next(r for r in table if r.registry_no == ev.registry_no)
    assert mine.be == ev.entry_score
    assert [r.be for r in table] == sorted((r.be for r in table), reverse=True)


def test_be3_correction_is_not_for_files_under_examination(ctx):
    ev = ctx.scalars(select(Evaluator).where(Evaluator.status == EvaluatorStatus.under_examination)).first()
    before = snapshot(ctx, ev.id)
    with pytest.raises(Refused) as exc:
        service.correct_interview(ctx, ev, MARKS, "λόγος", None)
    assert exc.value.status == 409 and snapshot(ctx, ev.id) == before


def test_verified_value_correction_recomputes_be2(ctx):
    ev = enrolled(ctx)
    row = ctx.scalars(select(EvaluatorProfessionalExperience).where(
        EvaluatorProfessionalExperience.evaluator_id == ev.id,
        EvaluatorProfessionalExperience.verification == Verification.confirmed)).first()
    ref, candidate_months, old_be2 = f"professional:{row.id}", row.person_months, ev.experience_score
    before = snapshot(ctx, ev.id)
    with pytest.raises(Refused):  # more person-months than the period holds
        service.correct_verification(ctx, ev, ref, "recoded", {"recoded_person_months": "9999"}, "λόγος", None)
    with pytest.raises(Refused):  # no reason
        service.correct_verification(ctx, ev, ref, "not_confirmed", {}, "", None)
    with pytest.raises(Refused) as exc:  # the same verdict: nothing to correct
        service.correct_verification(ctx, ev, ref, "confirmed", {}, "λόγος", None)
    assert exc.value.status == 409
    assert snapshot(ctx, ev.id) == before
    correction = service.correct_verification(ctx, ev, ref, "not_confirmed", {}, "Η βεβαίωση δεν καλύπτει την περίοδο",
                                              None)
    ctx.expire_all()
    ev, row = ctx.get(Evaluator, ev.id), ctx.get(EvaluatorProfessionalExperience, row.id)
    assert row.verification is Verification.not_confirmed and row.person_months == candidate_months  # kept
    table = evaluators.points(ctx)
    lost = min(candidate_months * table.professional_per_month, table.professional_max)
    assert ev.experience_score <= old_be2 and old_be2 - ev.experience_score <= lost
    assert ev.entry_score == expected_be(ev) and ev.ranking_score == expected_bk(ctx, ev)
    assert correction.before == {"verification": "confirmed", "recoded_person_months": None}
    assert correction.after == {"verification": "not_confirmed", "recoded_person_months": None}
    with pytest.raises(Refused) as exc:  # another file's row: not found, nothing changed
        other = enrolled(ctx, not_user="nobody-at-all")
        if other.id == ev.id:
            other = ctx.scalars(select(Evaluator).where(Evaluator.status == EvaluatorStatus.enrolled,
                                                        Evaluator.id != ev.id)).first()
        service.correct_verification(ctx, other, ref, "confirmed", {}, "λόγος", None)
    assert exc.value.status == 404


def test_decision_correction_supersedes_and_moves_the_status(app, ctx):
    ev, other = ctx.scalars(select(Evaluator).where(Evaluator.status == EvaluatorStatus.enrolled)
                            .order_by(Evaluator.id.desc()).limit(2)).all()
    # the demo enrols without a recorded decision: such a file stands as enrolled
    assert service.decision_choices(ctx, other) == [("rejected", "Απορρίφθηκε")]
    ctx.add(Decision(evaluator_id=ev.id, kind=DecisionKind.enrolled, reasons=None, entry_score=ev.entry_score))
    ctx.commit()
    assert service.decision_choices(ctx, ev) == [("rejected", "Απορρίφθηκε")]
    before = snapshot(ctx, ev.id)
    for kind, reasons in (("in_principle", "λόγος"), ("enrolled", "λόγος"), ("bogus", "λόγος"), ("rejected", "")):
        with pytest.raises(Refused):
            service.correct_decision(ctx, ev, kind, reasons, None)
        assert snapshot(ctx, ev.id) == before
    service.correct_decision(ctx, ev, "rejected", "Διαπιστώθηκε κώλυμα μετά την ένταξη", None)
    ctx.expire_all()
    ev = ctx.get(Evaluator, ev.id)
    assert ev.status is EvaluatorStatus.rejected
    assert ev.registry_no not in {r.registry_no for r in evaluators.nominal_table(ctx)}
    history = service.decision_history(ctx, ev.id)
    assert [d.kind for d in history][-2:] == [DecisionKind.enrolled, DecisionKind.rejected]
    assert history[-1].supersedes_id == history[-2].id  # the corrected one stays
    (job,) = ctx.scalars(select(Job).where(Job.kind == "decision_mail").order_by(Job.id.desc()).limit(1))
    assert job.state is JobState.succeeded and job.params["evaluator_id"] == ev.id
    # annulled rejection: examined again
    service.correct_decision(ctx, ev, "in_principle", "Η απόρριψη στηρίχθηκε σε λάθος έγγραφο", None)
    ctx.expire_all()
    assert ctx.get(Evaluator, ev.id).status is EvaluatorStatus.under_examination
    kinds = [c.kind for c in service.corrections_of(ctx, ev.id)]
    assert kinds == [CorrectionKind.decision, CorrectionKind.decision]
    # an enrolment without a recorded decision is annulled the same way
    service.correct_decision(ctx, other, "rejected", "Κώλυμα", None)
    ctx.expire_all()
    assert ctx.get(Evaluator, other.id).status is EvaluatorStatus.rejected
    (d,) = service.decision_history(ctx, other.id)
    assert d.kind is DecisionKind.rejected and d.supersedes_id is None
    assert service.corrections_of(ctx, other.id)[0].before["decision"] == "enrolled"


def test_only_the_committee_corrects_over_http(app, login, db_session):
    ev = enrolled(db_session)
    url = f"/committee/application/{ev.id}"
    marks = {k: str(v) for k, v in MARKS.items()}
    attempts = [(f"{url}/correct_interview", {**marks, "reason": "επίθεση"}),
                (f"{url}/correct_verification", {"row": "professional:1", "verification": "not_confirmed",
                                                 "reason": "επίθεση"}),
                (f"{url}/correct_decision", {"kind": "rejected", "reasons": "επίθεση"})]
    before = snapshot(db_session, ev.id)
    for user in ("evaluator1", "grader", "helpdesk", "manager1"):
        client = login(user)
        for target, data in attempts:
            assert client.post_form(target, data).status_code in (403, 404), (user, target)
        assert snapshot(db_session, ev.id) == before
    committee = login("committee")
    page = committee.get(url).get_data(as_text=True)
    assert 'id="correct-interview-form"' in page
    response = committee.post_form(f"{url}/correct_interview", {**marks, "reach": "101", "reason": "λάθος"},
                                   page=url, follow_redirects=True)
    assert "από 0 έως 100" in response.get_data(as_text=True)
    assert snapshot(db_session, ev.id) == before
    response = committee.post_form(f"{url}/correct_interview", {**marks, "reason": "Λάθος πληκτρολόγηση"},
                                   page=url, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Λάθος πληκτρολόγηση" in text and "committee" in text
    db_session.expire_all()
    assert db_session.get(Evaluator, ev.id).interview_score == Decimal("75.25")
