"""Level confirmations in the committee's sessions (E-12): the session is one of the
committee's session records, chosen from a scoped field, held once the cycle had closed
and not in the future; the sheet and the nominal tables show its date."""
import datetime as dt

import pytest
from sqlalchemy import select, text

from app.errors import Refused
from models.committee import CommitteeSession
from models.evaluation import CycleStatus, EvaluationCycle, LevelDecision
from models.evaluators import Evaluator, EvaluatorStatus, PerformanceLevel
from models.mixins import utcnow


@pytest.fixture
def proposal(db_session):
    """A proposal of level Β for an enrolled, ranked evaluator of a cycle closed 40 days
    ago, and sessions held before it closed, after it closed, and in the future."""
    evaluator = db_session.scalars(
        select(Evaluator).where(Evaluator.status == EvaluatorStatus.enrolled, Evaluator.ranking_score.is_not(None),
                                Evaluator.level == PerformanceLevel.A).order_by(Evaluator.registry_no)).first()
    assert evaluator is not None
    cycle = EvaluationCycle(name="L-1", body="b", programme="p", status=CycleStatus.closed,
                            closed_at=utcnow() - dt.timedelta(days=40))
    db_session.add(cycle)
    db_session.flush()
    decision = LevelDecision(cycle_id=cycle.id, evaluator_id=evaluator.id, total_points=-2,
                             previous_level=evaluator.level, proposed_level=PerformanceLevel.B)
    today = dt.date.today()
    taken = set(db_session.scalars(select(CommitteeSession.held_on)))
    days = {name: next(today + dt.timedelta(days=d) for d in steps if today + dt.timedelta(days=d) not in taken)
            for name, steps in (("before", range(-45, -100, -1)), ("after", range(-3, -30, -1)),
                                ("future", range(20, 60)))}
    sessions = {name: CommitteeSession(held_on=day, place="Αθήνα") for name, day in days.items()}
    db_session.add_all([decision, *sessions.values()])
    db_session.commit()
    return decision.id, evaluator.id, {name: s.id for name, s in sessions.items()}, days


def state(db_session, decision_id, evaluator_id):
    db_session.expire_all()
    d = db_session.get(LevelDecision, decision_id)
    return d.committee_session_id, d.confirmed_at, db_session.get(Evaluator, evaluator_id).level


def test_confirmation_in_a_session_is_linked_and_shown(login, db_session, proposal):
    decision_id, evaluator_id, sessions, days = proposal
    committee = login("committee")
    response = committee.post_form(f"/leveldecisionview/edit/{decision_id}", {"committee_session": sessions["after"]},
                                   page=f"/leveldecisionview/edit/{decision_id}")
    assert response.status_code == 302
    assert state(db_session, decision_id, evaluator_id)[0] == sessions["after"]
    response = committee.post_form("/leveldecisionview/action_post",
                                   {"action": "confirm_levels", "rowid": [decision_id]}, page="/leveldecisionview/list/")
    assert response.status_code == 302
    session_id, confirmed_at, level = state(db_session, decision_id, evaluator_id)
    assert (session_id, level) == (sessions["after"], PerformanceLevel.B) and confirmed_at is not None
    shown = days["after"].strftime("%d/%m/%Y")
    sheet = committee.get(f"/sheet/{evaluator_id}").get_data(as_text=True)
    levels = sheet[sheet.index('id="sheet-levels"'):]
    assert shown in levels[:levels.index("</table>")]
    tables = committee.get("/ranking-tables/").get_data(as_text=True)
    registry_no = db_session.get(Evaluator, evaluator_id).registry_no
    row = tables[tables.index(f">{registry_no}<"):]
    assert shown in row[:row.index("</tr>")]
    listed = committee.get("/leveldecisionview/list/").get_data(as_text=True)
    assert shown in listed


@pytest.mark.parametrize("which", ["before", "future", "missing"])
def test_a_session_that_may_not_confirm_is_refused_and_nothing_changes(login, db_session, proposal, which):
    decision_id, evaluator_id, sessions, _days = proposal
    forged = sessions.get(which, 2**31 - 1)  # held before the cycle closed / not yet / no such session
    committee = login("committee")
    before = state(db_session, decision_id, evaluator_id)
    committee.post_form(f"/leveldecisionview/edit/{decision_id}", {"committee_session": forged},
                        page=f"/leveldecisionview/edit/{decision_id}")
    assert state(db_session, decision_id, evaluator_id) == before == (None, None, PerformanceLevel.A)


def test_the_service_refuses_a_session_before_the_cycle_closed_for_all(db_session, proposal, app):
    from app import evaluation as service

    decision_id, evaluator_id, sessions, _days = proposal
    decision = db_session.get(LevelDecision, decision_id)
    with app.app_context(), pytest.raises(Refused):
        service.confirm_levels(db_session, [decision], actor_id=None,
                               committee_session=db_session.get(CommitteeSession, sessions["before"]))
    db_session.rollback()
    assert state(db_session, decision_id, evaluator_id) == (None, None, PerformanceLevel.A)


def test_migration_links_text_that_names_a_session_and_keeps_the_rest(app, db_session, proposal):
    from flask_migrate import downgrade, upgrade

    decision_id, _evaluator_id, sessions, days = proposal
    other = db_session.scalar(select(LevelDecision.id).where(LevelDecision.id != decision_id)
                              .order_by(LevelDecision.id))
    db_session.close()
    with app.app_context():
        downgrade(revision="e5f6a7b8c9d0")
        engine = app.extensions["sqlalchemy"].engine
        with engine.begin() as conn:
            conn.execute(text("UPDATE level_decision SET session_reference = :t WHERE id = :i"),
                         {"t": f"Συνεδρίαση {days['after'].day}/{days['after'].month}/{days['after'].year}",
                          "i": decision_id})
            conn.execute(text("UPDATE level_decision SET session_reference = 'Συνεδρίαση 4/2025' WHERE id = :i"),
                         {"i": other})
        upgrade()
        with engine.connect() as conn:
            found = conn.execute(text("SELECT id, committee_session_id, session_reference FROM level_decision "
                                      "WHERE id IN (:a, :b)"), {"a": decision_id, "b": other}).all()
    rows = {i: (session_id, reference) for i, session_id, reference in found}
    assert rows[decision_id] == (sessions["after"], None)
    assert rows[other] == (None, "Συνεδρίαση 4/2025")
