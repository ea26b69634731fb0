"""Self-registration through the captured outbox; E-2 deactivation (at once, with date and
reason, kept in the history, never deleted); enrolment (E-5/E-7); the E-14 nominal
table whose order is recomputed here from its CSV; the help desk's search (reads,
changes nothing)."""
import csv
import io
import re
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import func, select

from app import evaluators as service
from app.rules import evaluators as rules
from app.rules.identifiers import make_afm
from models.evaluators import Evaluator, EvaluatorStatus, EvaluatorStatusChange, PerformanceLevel
from models.users import AppUser
from tests.conftest import Client
from tests.evaluators_helpers import body, outbox, report_via_job

LINK = re.compile(r"https?://\S+(/evaluator-registration/confirm/\S+)")
NEW_PASSWORD = "Nea-Aitisi-2027!"


def register(client, **overrides):
    data = {"username": "nea.ypopsifia", "first_name": "Ελένη", "last_name": "Νικολαΐδου",
            "email": "eleni@example.gr", "afm": make_afm(55_000_001), "password": NEW_PASSWORD,
            "conf_password": NEW_PASSWORD}
    data.update(overrides)
    return client.post_form("/evaluator-registration/", data, page="/evaluator-registration/")


def test_self_registration_with_mail_confirmation(app, client, db_session):
    assert 'id="evaluator-registration-link"' in client.get("/login/").get_data(as_text=True)
    response = register(client)
    assert 'id="registration-sent"' in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(AppUser).where(AppUser.username == "nea.ypopsifia")) == 0
    (message,) = outbox(app)
    assert message["To"] == "eleni@example.gr"
    path = LINK.search(body(message)).group(1)
    response = client.get(path)
    assert response.status_code == 302
    user = db_session.scalars(select(AppUser).where(AppUser.username == "nea.ypopsifia")).one()
    assert [r.name for r in user.roles] == ["Evaluator"]
    evaluator = db_session.get(Evaluator, user.evaluator_id)
    assert evaluator.status is EvaluatorStatus.draft and evaluator.afm == make_afm(55_000_001)
    assert client.get(path).status_code == 404  # the link works once
    signed_in = Client(app.test_client()).login("nea.ypopsifia", NEW_PASSWORD)
    assert "Νικολαΐδου" in signed_in.get("/myapplication/list/").get_data(as_text=True)


def test_registration_refuses_bad_input_and_taken_identities(app, client, db_session):
    for overrides, message in (({"afm": "123456789"}, "Α.Φ.Μ."), ({"email": "x"}, "e-mail"),
                               ({"username": "evaluator1"}, "υπάρχει ήδη"),
                               ({"afm": make_afm(10_000_001)}, "υπάρχει ήδη"),
                               ({"username": "κακό όνομα"}, "λατινικά")):
        text = register(client, **overrides).get_data(as_text=True)
        assert message in text.lower() or message in text, overrides
    assert outbox(app) == []


def test_deactivation_is_immediate_reasoned_and_kept(app, login, db_session):
    evaluator_id = db_session.scalar(select(Evaluator.id).where(Evaluator.registry_no == "EMA000003"))
    committee = login("committee")
    assert "Deactivate" not in committee.get(f"/evaluatorview/deactivate/{evaluator_id}").get_data(as_text=True)
    committee.post_form(f"/evaluatorview/deactivate/{evaluator_id}", {"reason": "  "},
                        page=f"/evaluatorview/deactivate/{evaluator_id}")
    db_session.expire_all()
    assert db_session.get(Evaluator, evaluator_id).status is EvaluatorStatus.enrolled
    response = committee.post_form(f"/evaluatorview/deactivate/{evaluator_id}",
                                   {"reason": "Μέτοχος ΚΕΚ από 1/11 (E-2)"},
                                   page=f"/evaluatorview/deactivate/{evaluator_id}")
    assert response.status_code == 302
    db_session.expire_all()
    evaluator = db_session.get(Evaluator, evaluator_id)
    assert evaluator.status is EvaluatorStatus.inactive and evaluator.inactive_since is not None
    assert evaluator.inactive_reason == "Μέτοχος ΚΕΚ από 1/11 (E-2)"
    change = db_session.scalars(select(EvaluatorStatusChange).where(
        EvaluatorStatusChange.evaluator_id == evaluator_id)).all()[-1]
    assert change.from_status is EvaluatorStatus.enrolled and change.to_status is EvaluatorStatus.inactive
    shown = committee.get(f"/evaluatorview/show/{evaluator_id}").get_data(as_text=True)
    assert "Ανενεργός" in shown and "Μέτοχος ΚΕΚ" in shown
    assert evaluator.registry_no not in [r.registry_no for r in service.nominal_table(db_session)]
    # nobody in the committee deletes a registry file, an evaluator cannot deactivate
    assert committee.post_form(f"/evaluatorview/delete/{evaluator_id}", {}).status_code in (403, 404, 405)
    assert db_session.get(Evaluator, evaluator_id) is not None
    assert login("evaluator1").get(f"/evaluatorview/deactivate/{evaluator_id}").status_code in (302, 403, 404)
    assert login("helpdesk").post_form(f"/evaluatorview/deactivate/{evaluator_id}",
                                       {"reason": "x"}).status_code in (302, 403)


def test_enrolment_sets_be3_be_registry_number_and_bk(app):
    with app.app_context():
        session = app.appbuilder.session
        evaluator = session.scalars(select(Evaluator).where(Evaluator.status == EvaluatorStatus.submitted)).first()
        import pytest
        from app.errors import Refused

        with pytest.raises(Refused):
            service.enrol(session, evaluator, 100.5)
        session.rollback()
        service.enrol(session, evaluator, Decimal("80"))
        assert evaluator.status is EvaluatorStatus.enrolled and evaluator.registry_no
        assert evaluator.interview_score == Decimal("80.00")
        assert evaluator.entry_score == rules.entry_score(evaluator.qualification_score, evaluator.experience_score,
                                                          Decimal("80"))
        assert evaluator.ranking_score == evaluator.entry_score
        with pytest.raises(Refused):
            service.enrol(session, evaluator, 50)  # only a submitted application
        session.remove()


def test_nominal_table_order_recomputed_from_its_csv(app, login, db_session):
    # make a tie and a level Γ evaluator, who is listed in no nominal table (E-12)
    first, second, third = db_session.scalars(select(Evaluator).where(
        Evaluator.status == EvaluatorStatus.enrolled).order_by(Evaluator.id).limit(3)).all()
    for column in ("qualification_score", "experience_score", "interview_score", "entry_score", "ranking_score"):
        setattr(second, column, getattr(first, column))
    third.level = PerformanceLevel.C
    db_session.commit()
    response = login("committee").get("/nominal-table/csv/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, data = rows[0], rows[1:]
    assert header[-4:] == ["ΒΕ1", "ΒΕ2", "ΒΕ3", "ΒΕ"]
    enrolled = db_session.scalar(select(func.count()).select_from(Evaluator).where(
        Evaluator.status == EvaluatorStatus.enrolled, Evaluator.level != PerformanceLevel.C))
    assert len(data) == enrolled and third.registry_no not in [r[1] for r in data]
    # independently of the SQL: ΒΕ from its parts, order by ΒΕ desc then registry no., ties share the rank
    recomputed = []
    for row in data:
        be1, be2, be3, be = (Decimal(x) for x in row[-4:])
        assert rules.entry_score(be1, be2, be3) == be
        recomputed.append((-be, row[1]))
    assert [r[1] for r in data] == [registry for _, registry in sorted(recomputed)]
    ranks = [int(r[0]) for r in data]
    for n, row in enumerate(data):
        expected = n + 1 if n == 0 or data[n - 1][-1] != row[-1] else ranks[n - 1]
        assert ranks[n] == expected
    tied = [r for r in data if r[1] in (first.registry_no, second.registry_no)]
    assert tied[0][0] == tied[1][0]
    _job, _page, pdf = report_via_job(login("helpdesk"), "/nominal-table/pdf/", page="/nominal-table/list/")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text_ = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert all(r[1] in text_ for r in data) and third.registry_no not in text_  # complete, Γ left out
    assert login("evaluator1").get("/nominal-table/csv/").status_code in (302, 403)


def test_help_desk_finds_by_afm_name_protocol_and_registry_number(app, login, db_session):
    evaluator = db_session.scalars(select(Evaluator).where(Evaluator.registry_no == "EMA000002")).one()
    helpdesk = login("helpdesk")
    for query in (evaluator.afm, evaluator.protocol_no, "ema000002", evaluator.last_name[:4].lower()):
        page = helpdesk.get("/evaluator-search/list/", query_string={"q": query}).get_data(as_text=True)
        assert f"/evaluatorview/show/{evaluator.id}" in page, query
    assert helpdesk.get(f"/evaluatorview/show/{evaluator.id}").status_code == 200
    assert helpdesk.get(f"/evaluatorview/personal-data/{evaluator.id}").status_code == 200
    assert helpdesk.get(f"/evaluatorview/edit/{evaluator.id}").status_code in (302, 403)
    assert login("evaluator1").get("/evaluator-search/list/?q=a").status_code in (302, 403)
