"""Evaluation cycles through the web (E-10…E-12): the demo cycle 2026-Α has its sample drawn,
assigned to `grader` (chair) and `assessor` (independent assessor), every mark in except
one axis-i line and one report per grader."""
import io

import pytest
from sqlalchemy import select, text

from models.evaluation import CycleStatus, EvaluationCycle, LevelDecision, Participation, Report, ReportMark
from models.evaluators import Evaluator, PerformanceLevel
from models.users import AppUser

CRITERIA = ("commentary", "clarity", "consistency", "usefulness")
ATTITUDE = ("interest", "organisation", "time_management", "cooperativeness")


def user_id(session, username):
    return session.scalar(select(AppUser.id).where(AppUser.username == username))


def cycle(session, name="2026-Α"):
    session.expire_all()
    return session.scalar(select(EvaluationCycle).where(EvaluationCycle.name == name))


def open_marks(session, username):
    c = cycle(session)
    return session.scalars(select(ReportMark).where(ReportMark.cycle_id == c.id,
                                                    ReportMark.grader_id == user_id(session, username),
                                                    ReportMark.commentary.is_(None))).all()


def open_attitude(session):
    c = cycle(session)
    return session.scalars(select(Participation).where(Participation.cycle_id == c.id,
                                                       Participation.interest.is_(None))).all()


def marks_snapshot(session):
    session.expire_all()
    return [tuple(r) for r in session.execute(text(
        "SELECT id, commentary, clarity, consistency, usefulness FROM report_mark ORDER BY id"))] + [
        tuple(r) for r in session.execute(text(
            "SELECT id, interest, organisation, time_management, cooperativeness, score FROM participation "
            "ORDER BY id"))]


def mark_report(client, mark_id, values=(80, 70, 60, 90)):
    return client.post_form(f"/reportmarkingview/edit/{mark_id}", dict(zip(CRITERIA, values, strict=False)),
                            page="/reportmarkingview/list/")


def mark_attitude(client, participation_id, values=(75, 85, 65, 95)):
    return client.post_form(f"/attitudemarkingview/edit/{participation_id}", dict(zip(ATTITUDE, values, strict=False)),
                            page="/attitudemarkingview/list/")


def finish_marking(login, db_session):
    chair, assessor = login("grader"), login("assessor")
    for p in open_attitude(db_session):
        assert mark_attitude(chair, p.id).status_code == 302
    for m in open_marks(db_session, "grader"):
        assert mark_report(chair, m.id).status_code == 302
    for m in open_marks(db_session, "assessor"):
        assert mark_report(assessor, m.id, (60, 60, 80, 40)).status_code == 302
    assert not open_attitude(db_session) and not open_marks(db_session, "grader")


def close(committee, cycle_id):
    return committee.post_form(f"/evaluationcycleview/action/close_cycle/{cycle_id}",
                               page=f"/evaluationcycleview/show/{cycle_id}")


def test_a_grader_marks_only_their_own_assignments(login, db_session):
    chair = login("grader")
    (theirs,) = open_marks(db_session, "assessor")
    before = marks_snapshot(db_session)
    assert chair.get(f"/reportmarkingview/edit/{theirs.id}").status_code == 404
    assert mark_report(chair, theirs.id).status_code == 404
    assert chair.get(f"/reportmarkingview/show/{theirs.id}").status_code == 404
    assert marks_snapshot(db_session) == before
    listing = chair.get("/reportmarkingview/list/?psize_ReportMarkingView=100").get_data(as_text=True)
    assert theirs.code in listing  # the same report is also the chair's, under its own row
    own = db_session.scalars(select(ReportMark.id).where(ReportMark.grader_id == user_id(db_session, "grader"))).all()
    assert set(own) and all(f"/reportmarkingview/show/{i}" in listing for i in own)


@pytest.mark.parametrize("values", [(0, 50, 50, 50), (50, 101, 50, 50), (50, 50, -3, 50), (50, 50, 50, "x")])
def test_marks_outside_1_to_100_are_refused(login, db_session, values):  # E-10
    chair = login("grader")
    (mine,) = open_marks(db_session, "grader")
    before = marks_snapshot(db_session)
    response = mark_report(chair, mine.id, values)
    assert response.status_code == 200  # the form again, with its error
    assert marks_snapshot(db_session) == before


def test_closing_with_missing_marks_is_refused_and_changes_nothing(login, db_session):
    committee = login("committee")
    c = cycle(db_session)
    before = marks_snapshot(db_session)
    response = close(committee, c.id)
    assert response.status_code == 302
    page = committee.get(response.headers["Location"]).get_data(as_text=True)
    alert = page[page.index("alert-danger"):]
    alert = alert[:alert.index("</div>")]
    assert "EMA000001" in alert  # the evaluator whose axis-i marks are missing is named
    assert cycle(db_session).status is CycleStatus.open
    assert marks_snapshot(db_session) == before


def test_close_computes_ba_and_proposes_levels_then_marks_are_frozen(login, db_session):
    finish_marking(login, db_session)
    committee = login("committee")
    c = cycle(db_session)
    close(committee, c.id)
    c = cycle(db_session)
    assert c.status is CycleStatus.closed
    from app.rules import evaluation as rules
    for p in db_session.scalars(select(Participation).where(Participation.cycle_id == c.id)):
        ba_i = rules.attitude_score([getattr(p, a) for a in ATTITUDE])
        scores = []
        own = select(Report).where(Report.cycle_id == c.id, Report.evaluator_id == p.evaluator_id,
                                   Report.sampled.is_(True))
        for report in db_session.scalars(own):
            pair = {m.capacity.value: rules.weighted_mark({k: getattr(m, k) for k in CRITERIA}, c.report_weights)
                    for m in db_session.scalars(select(ReportMark).where(ReportMark.report_id == report.id))}
            scores.append(rules.report_score(pair["chair"], pair["independent"]))
        assert p.attitude_score == ba_i
        assert p.score == rules.performance_score(ba_i, rules.reports_score(scores))  # E-11
        assert p.points == rules.performance_points(p.score)
    proposals = db_session.scalars(select(LevelDecision).where(LevelDecision.cycle_id == c.id)).all()
    assert len(proposals) == 3 and all(d.confirmed_at is None for d in proposals)
    # Closed: no mark changes, the cycle cannot be deleted, its ΒΑ stay.
    before = marks_snapshot(db_session)
    any_mark = db_session.scalar(select(ReportMark.id).where(ReportMark.cycle_id == c.id,
                                                             ReportMark.grader_id == user_id(db_session, "grader")))
    mark_report(login("grader"), any_mark, (1, 1, 1, 1))
    committee.post_form(f"/evaluationcycleview/delete/{c.id}", page="/evaluationcycleview/list/")
    assert marks_snapshot(db_session) == before
    assert cycle(db_session) is not None


def test_committee_confirms_levels_and_keeps_the_date_of_entry_into_c(login, db_session):
    committee = login("committee")
    weak = db_session.scalar(select(LevelDecision).where(LevelDecision.proposed_level != PerformanceLevel.A))
    assert weak is not None and weak.confirmed_at is not None  # the demo's closed cycle, confirmed
    d = db_session.scalar(select(Evaluator).where(Evaluator.id == weak.evaluator_id))
    assert d.level is weak.proposed_level
    # A proposal of Γ records the day of entry; a later Γ keeps it.
    from app import evaluation as service
    from models.evaluation import EvaluationCycle as Cycle
    c = Cycle(name="X-1", body="b", programme="p", status=CycleStatus.closed)
    db_session.add(c)
    db_session.flush()
    decision = LevelDecision(cycle_id=c.id, evaluator_id=d.id, total_points=-5, previous_level=d.level,
                             proposed_level=PerformanceLevel.C)
    db_session.add(decision)
    db_session.commit()
    response = committee.post_form("/leveldecisionview/action_post",
                                   {"action": "confirm_levels", "rowid": [decision.id]},
                                   page="/leveldecisionview/list/")
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Evaluator, d.id).level is PerformanceLevel.C
    first = db_session.get(LevelDecision, decision.id).entered_c_on
    assert first is not None
    db_session.execute(text("UPDATE level_decision SET entered_c_on = '2020-01-02' WHERE id = :i"), {"i": decision.id})
    c2 = Cycle(name="X-2", body="b", programme="p", status=CycleStatus.closed)
    db_session.add(c2)
    db_session.flush()
    again = LevelDecision(cycle_id=c2.id, evaluator_id=d.id, total_points=-6, previous_level=PerformanceLevel.C,
                          proposed_level=PerformanceLevel.C)
    db_session.add(again)
    db_session.commit()
    service.confirm_levels(db_session, [again], actor_id=None)
    assert str(db_session.get(LevelDecision, again.id).entered_c_on) == "2020-01-02"


def test_import_refuses_a_bad_file_with_line_numbers(login, db_session):
    committee = login("committee")
    committee.post_form("/evaluationcycleview/add", {
        "name": "2026-Β", "body": "Φορέας", "programme": "ΕΠ",
        "sample_all_up_to": 5, "sample_min": 5, "sample_share": 20,
        "w_commentary": 25, "w_clarity": 25, "w_consistency": 25, "w_usefulness": 25, "chair_weight": 50,
        "assessor_weight": 50}, page="/evaluationcycleview/add")
    new = cycle(db_session, "2026-Β")
    assert new is not None
    bad = "registry_no,reference\nEMA000001,R-1\nEMA999999,R-2\nEMA000001,R-1\nEMA000002,\n"
    response = committee.post_form(f"/evaluationcycleview/import/{new.id}",
                                   {"file": (io.BytesIO(bad.encode()), "c.csv")},
                                   page=f"/evaluationcycleview/import/{new.id}", content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for line in ("3", "4", "5"):
        assert f">line {line}:" in body or f"γραμμή {line}:" in body
    assert db_session.scalar(select(Report.id).where(Report.cycle_id == new.id)) is None
    good = "\ufeffregistry_no,reference\nEMA000001,R-1\nEMA000001,R-2\nEMA000002,R-3\n"
    response = committee.post_form(f"/evaluationcycleview/import/{new.id}",
                                   {"file": (io.BytesIO(good.encode()), "c.csv")},
                                   page=f"/evaluationcycleview/import/{new.id}", content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(db_session.scalars(select(Participation).where(Participation.cycle_id == new.id)).all()) == 2
    # Draw refused without chair and assessor; nothing drawn.
    committee.post_form(f"/evaluationcycleview/action/draw_sample/{new.id}", page=f"/evaluationcycleview/show/{new.id}")
    assert cycle(db_session, "2026-Β").sampled_at is None
    # An open, undrawn cycle may be deleted; a drawn one may not.
    drawn = cycle(db_session)
    committee.post_form(f"/evaluationcycleview/delete/{drawn.id}", page="/evaluationcycleview/list/")
    assert cycle(db_session) is not None


def test_the_draw_is_rederivable_from_the_recorded_seed(db_session):
    from app.rules import evaluation as rules

    c = cycle(db_session)
    reports = db_session.scalars(select(Report).where(Report.cycle_id == c.id)).all()
    by_author = {}
    for r in reports:
        by_author.setdefault(r.evaluator.registry_no, []).append(r)
    for number, own in by_author.items():
        size = rules.sample_size(len(own))
        expected = rules.draw_sample(c.sample_seed, number, [r.reference for r in own], size)
        assert sorted(r.reference for r in own if r.sampled) == expected
    assert sum(len(v) for v in by_author.values()) == 12 and sum(r.sampled for r in reports) == 10  # 2 + 3 + 5 of 7


def test_entered_evaluators_must_be_enrolled_and_an_undrawn_cycle_can_go(login, db_session):
    from models.evaluators import EvaluatorStatus

    committee = login("committee")
    committee.post_form("/evaluationcycleview/add", {
        "name": "2027-Α", "body": "Φορέας", "programme": "ΕΠ",
        "sample_all_up_to": 5, "sample_min": 5, "sample_share": 20, "w_commentary": 25, "w_clarity": 25,
        "w_consistency": 25, "w_usefulness": 25, "chair_weight": 50, "assessor_weight": 50},
        page="/evaluationcycleview/add")
    new_id = cycle(db_session, "2027-Α").id
    enrolled = db_session.scalar(select(Evaluator.id).where(Evaluator.status == EvaluatorStatus.enrolled))
    other = db_session.scalar(select(Evaluator.id).where(Evaluator.status != EvaluatorStatus.enrolled))
    for evaluator in (enrolled, other):
        committee.post_form("/participationview/add", {"cycle": new_id, "evaluator": evaluator},
                            page="/participationview/add")
    taking_part = db_session.scalars(select(Participation.evaluator_id).where(Participation.cycle_id == new_id)).all()
    assert taking_part == [enrolled]
    committee.post_form(f"/evaluationcycleview/delete/{new_id}", page="/evaluationcycleview/list/")
    assert cycle(db_session, "2027-Α") is None
    assert db_session.scalar(select(Participation.id).where(Participation.cycle_id == new_id)) is None
