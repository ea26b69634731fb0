"""E-7 on the database: the set-based recomputation agrees with the pure rules row by row,
counts only what the committee verified once enrolled, follows an edited points table in
one audited transaction; demo ΒΕ is this computation, not random. Protocol numbers (E-3)
stay unique and gap-free under concurrent submissions."""
import threading
from decimal import Decimal

from sqlalchemy import func, select

from app import evaluators as service
from app.rules import evaluators as rules
from models.audit import AuditEntry
from models.evaluators import (Evaluator, EvaluatorCofundedExperience, EvaluatorDegree, EvaluatorLanguage,
                               EvaluatorPostgraduate, EvaluatorProfessionalExperience, EvaluatorStatus,
                               EvaluatorTraining, LanguageLevel, PostgraduateLevel, ProtocolCounter, ScoringTable,
                               Verification)


def expected_scores(session, evaluator: Evaluator, points: rules.Points) -> tuple[Decimal, Decimal]:
    """ΒΕ1/ΒΕ2 recomputed in Python from the rows, independently of the SQL aggregation."""
    provisional = evaluator.status in service.PROVISIONAL
    wanted = {Verification.confirmed, Verification.recoded} | ({Verification.pending} if provisional else set())

    def rows(model):
        return [r for r in session.scalars(select(model).where(model.evaluator_id == evaluator.id))
                if r.verification in wanted]

    def recoded(row, field):
        value = getattr(row, f"recoded_{field}")
        return value if row.verification is Verification.recoded and value is not None else getattr(row, field)

    degrees = sum(1 for d in rows(EvaluatorDegree) if rules.degree_counts(rules.Degree(d.kind.value, d.recognised)))
    levels = [recoded(p, "level") for p in rows(EvaluatorPostgraduate)]
    trainings = rules.trainings_counted(recoded(t, "hours") for t in rows(EvaluatorTraining))
    languages = sum(1 for lang in rows(EvaluatorLanguage)
                    if recoded(lang, "level") is LanguageLevel.excellent and recoded(lang, "proficiency"))
    be1 = rules.qualification_score(points, degrees=degrees, masters=levels.count(PostgraduateLevel.master),
                                    phds=levels.count(PostgraduateLevel.phd), trainings=trainings,
                                    languages=languages)
    be2 = rules.experience_score(
        points, cofunded_months=sum(recoded(r, "person_months") for r in rows(EvaluatorCofundedExperience)),
        professional_months=sum(recoded(r, "person_months") for r in rows(EvaluatorProfessionalExperience)))
    return be1, be2


def test_demo_scores_are_the_computation_not_random(app, db_session):
    evaluators = db_session.scalars(select(Evaluator).where(Evaluator.status != EvaluatorStatus.draft)).all()
    assert len(evaluators) >= 10
    for evaluator in evaluators:
        be1, be2 = expected_scores(db_session, evaluator, rules.Points())
        assert (evaluator.qualification_score, evaluator.experience_score) == (be1, be2), evaluator.registry_no
        if evaluator.interview_score is not None:
            assert evaluator.entry_score == rules.entry_score(be1, be2, evaluator.interview_score)
            # E-13: ΒΚ = ΒΕ with no cycle; the demo's closed cycle 2025-Α rescored some (app.demo.evaluation).
            from app.evaluation import closed_scores
            from app.rules.evaluation import ranking_score

            performance = [score for _name, score in closed_scores(db_session, [evaluator.id]).get(evaluator.id, [])]
            assert evaluator.ranking_score == ranking_score(evaluator.entry_score, performance)


def test_only_verified_rows_count_for_an_enrolled_evaluator(app, db_session):
    with app.app_context():
        session = app.appbuilder.session
        evaluator = session.scalars(select(Evaluator).where(Evaluator.registry_no == "EMA000001")).one()
        before = evaluator.experience_score
        experience = session.scalars(select(EvaluatorProfessionalExperience).where(
            EvaluatorProfessionalExperience.evaluator_id == evaluator.id)).first()
        experience.verification = Verification.not_confirmed
        session.add(EvaluatorTraining(evaluator_id=evaluator.id, provider="Π", country="Ελλάδα", title="Τ",
                                      completed_on=experience.start_month, hours=300,
                                      verification=Verification.pending))  # not verified yet: does not count
        session.flush()
        service.recompute_entry_scores(session, [evaluator.id])
        session.commit()
        session.refresh(evaluator)
        assert evaluator.experience_score < before
        assert (evaluator.qualification_score, evaluator.experience_score) == expected_scores(
            session, evaluator, rules.Points())
        # re-coding counts the committee's value, never overwriting the candidate's
        experience.verification = Verification.recoded
        experience.recoded_person_months = Decimal("2")
        session.flush()
        service.recompute_entry_scores(session, [evaluator.id])
        session.commit()
        session.refresh(evaluator)
        assert experience.person_months != Decimal("2")
        assert (evaluator.qualification_score, evaluator.experience_score) == expected_scores(
            session, evaluator, rules.Points())


def test_editing_the_points_table_recomputes_every_score_in_one_audited_transaction(app, login, db_session):
    client = login("admin")
    fields = {name: str(getattr(rules.Points(), name)) for name in rules.POINTS_FIELDS}
    response = client.post_form("/scoringtableview/edit/1", {**fields, "first_degree": "30", "qualification_max": "60",
                                                              "experience_max": "40"},
                                page="/scoringtableview/edit/1")
    assert response.status_code == 302
    db_session.expire_all()
    table = db_session.get(ScoringTable, 1)
    assert table.first_degree == Decimal("30")
    points = service.rules.Points(**{n: Decimal(getattr(table, n)) for n in rules.POINTS_FIELDS})
    for evaluator in db_session.scalars(select(Evaluator).where(Evaluator.status != EvaluatorStatus.draft)):
        assert (evaluator.qualification_score, evaluator.experience_score) == expected_scores(
            db_session, evaluator, points)
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.table_name.in_(
        ["scoring_table", "evaluator"])).order_by(AuditEntry.id.desc()).limit(3)).all()
    assert "action:recompute_entry_scores" in actions
    # a table whose caps exceed 100 is refused and changes nothing
    client.post_form("/scoringtableview/edit/1", {**fields, "qualification_max": "70", "experience_max": "50"},
                     page="/scoringtableview/edit/1")
    db_session.expire_all()
    assert db_session.get(ScoringTable, 1).qualification_max == Decimal("60")
    assert login("committee").get("/scoringtableview/edit/1").status_code in (302, 403)


def _submit_in_thread(app, evaluator_id, results, barrier):
    from app.errors import Refused

    with app.app_context():
        session = app.appbuilder.session
        try:
            evaluator = session.get(Evaluator, evaluator_id)
            barrier.wait()
            results.append(service.next_protocol_value(session, 2031))
            session.commit()
        except Refused as exc:  # pragma: no cover - reported by the assertion below
            results.append(exc)
        finally:
            session.remove()
        del evaluator


def test_protocol_numbers_are_gap_free_under_concurrent_submissions(app):
    """Two threads, two connections, the same year: 1 and 2, never the same number twice."""
    with app.app_context():
        ids = app.appbuilder.session.scalars(select(Evaluator.id).limit(2)).all()
        app.appbuilder.session.remove()
    for round_ in range(3):
        results: list = []
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=_submit_in_thread, args=(app, i, results, barrier)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == [2 * round_ + 1, 2 * round_ + 2], results
    with app.app_context():
        assert app.appbuilder.session.get(ProtocolCounter, 2031).last_value == 6
        assert app.appbuilder.session.scalar(select(func.count()).select_from(ProtocolCounter)) >= 1
        app.appbuilder.session.remove()


def test_a_rolled_back_submission_gives_its_number_back(app):
    with app.app_context():
        session = app.appbuilder.session
        assert service.next_protocol_value(session, 2032) == 1
        session.rollback()
        assert service.next_protocol_value(session, 2032) == 1
        assert service.next_protocol_value(session, 2032) == 2
        session.commit()
        session.remove()
