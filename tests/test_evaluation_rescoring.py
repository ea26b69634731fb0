"""Rescoring (E-13): ΒΚ recomputed independently of the SQL, ranks, the job from the page,
all-or-nothing on failure, no two at once."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import evaluation as service
from app.errors import Refused
from app.rules import evaluation as rules
from models.evaluation import RescoringEntry, RescoringRun
from models.evaluators import Evaluator, EvaluatorStatus


def independent_scores(session) -> dict[str, Decimal]:
    """ΒΚ for every evaluator from plain rows and app.rules, without the service's SQL."""
    entry = {no: (score, status) for no, score, status in session.execute(
        text("SELECT registry_no, entry_score, status FROM evaluator"))}
    bas: dict[str, list[Decimal]] = {}
    for no, score in session.execute(text(
            "SELECT e.registry_no, p.score FROM participation p JOIN evaluator e ON e.id = p.evaluator_id "
            "JOIN evaluation_cycle c ON c.id = p.cycle_id WHERE c.status = 'closed'")):
        bas.setdefault(no, []).append(Decimal(str(score)))
    return {no: rules.ranking_score(Decimal(str(score)), bas.get(no, []))
            for no, (score, status) in entry.items() if score is not None and status in ("enrolled", "inactive")}


def current_scores(session) -> dict[str, Decimal]:
    session.expire_all()
    return {no: Decimal(str(bk)).quantize(Decimal("0.01")) for no, bk in session.execute(
        text("SELECT registry_no, ranking_score FROM evaluator WHERE ranking_score IS NOT NULL"))}


def test_demo_bk_matches_an_independent_recomputation(db_session):  # E-13
    expected = independent_scores(db_session)
    assert current_scores(db_session) == expected
    no_cycle = db_session.scalars(select(Evaluator).where(Evaluator.registry_no == "EMA000011")).one()
    assert no_cycle.ranking_score == no_cycle.entry_score  # ΒΚ = ΒΕ with no cycle
    assert any(current_scores(db_session)[no] != Decimal(str(db_session.scalar(
        select(Evaluator.entry_score).where(Evaluator.registry_no == no)))) for no in expected)


def test_ranks_follow_bk_descending_among_the_enrolled(db_session):
    run = db_session.scalar(select(func.max(RescoringRun.id)))
    rows = db_session.execute(
        select(RescoringEntry.new_rank, RescoringEntry.new_score, Evaluator.registry_no, Evaluator.status)
        .join(Evaluator, Evaluator.id == RescoringEntry.evaluator_id).where(RescoringEntry.run_id == run)
    ).all()
    enrolled = sorted((r for r in rows if r.status is EvaluatorStatus.enrolled),
                      key=lambda r: (-r.new_score, r.registry_no))
    assert [r.new_rank for r in enrolled] == list(range(1, len(enrolled) + 1))
    assert all(r.new_rank is None for r in rows if r.status is not EvaluatorStatus.enrolled)


def test_rescoring_from_the_page_runs_as_a_job_and_records_previous_and_new(login, db_session):
    committee = login("committee")
    db_session.execute(text("UPDATE participation SET score = 40.00 WHERE evaluator_id = "
                            "(SELECT id FROM evaluator WHERE registry_no = 'EMA000002') AND score IS NOT NULL"))
    db_session.commit()
    before = current_scores(db_session)
    response = committee.post_form("/rescoring/rescore", page="/rescoring/list/")
    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    run = db_session.scalars(select(RescoringRun).order_by(RescoringRun.id.desc())).first()
    entry = db_session.scalars(select(RescoringEntry).join(Evaluator, Evaluator.id == RescoringEntry.evaluator_id)
                               .where(RescoringEntry.run_id == run.id, Evaluator.registry_no == "EMA000002")).one()
    assert entry.previous_score == before["EMA000002"]
    assert entry.new_score == independent_scores(db_session)["EMA000002"] != before["EMA000002"]
    assert current_scores(db_session) == independent_scores(db_session)
    assert entry.previous_rank is not None and entry.new_rank is not None


def test_a_rescoring_that_fails_half_way_changes_nothing(db_session):
    db_session.execute(text("UPDATE participation SET score = 10.00 WHERE score IS NOT NULL"))
    db_session.commit()
    before = current_scores(db_session)
    runs = db_session.scalar(select(func.count(RescoringRun.id)))

    def fail_after_the_insert(done, total):
        if done == 2:  # after the UPDATE of every ΒΚ, before the commit
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        service.rescore(db_session, actor_id=None, progress=fail_after_the_insert)
    assert current_scores(db_session) == before
    assert db_session.scalar(select(func.count(RescoringRun.id))) == runs


def test_two_rescorings_cannot_interleave(app, db_session):
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    first = Session(bind=engine)
    try:
        service._lock(first)  # the first holds the lock, mid-transaction
        with pytest.raises(Refused):
            service.rescore(db_session, actor_id=None)
    finally:
        first.rollback()
        first.close()
    assert service.rescore(db_session, actor_id=None).evaluators > 0  # free again


def test_cli_rescore(app):
    result = app.test_cli_runner().invoke(args=["ema", "rescore"])
    assert result.exit_code == 0, result.output
    assert "evaluators" in result.output
