"""Long committee outputs as background jobs (app.jobs.report_handler): the agenda,
minutes, selection and E-14 PDFs are files written by a job under UPLOAD_FOLDER/reports,
downloaded from the job's page by whoever may see what they were made from; a failed
job leaves the previous files and shows its error; decision mails are jobs too."""
import io
import re
import socket
from pathlib import Path

from flask import g
from pypdf import PdfReader
from sqlalchemy import select

from app import committee as service, jobs
from models.committee import AgendaItem, CommitteeSession, Decision, DecisionKind, SelectionRequest
from models.evaluators import Evaluator, EvaluatorStatus
from models.jobs import Job, JobState
from models.users import AppUser
from tests.evaluators_helpers import body, outbox, report_via_job


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "reports"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_agenda_and_minutes_are_files_made_by_a_job(app, login, db_session):
    item = db_session.scalars(select(AgendaItem).order_by(AgendaItem.id)).first()
    cs_id, numbers = item.session_id, [i.evaluator.protocol_no for i in db_session.get(
        CommitteeSession, item.session_id).items]
    committee = login("committee")
    page = f"/committeesessionview/show/{cs_id}"
    job_id, html, pdf = report_via_job(committee, f"/committeesessionview/agenda_pdf/{cs_id}", page=page)
    assert 'id="job-download"' in html and 'data-state="succeeded"' in html
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.data)
    assert "Ημερήσια διάταξη" in text and all(n in text for n in numbers)
    job = db_session.get(Job, job_id)
    assert job.result["file"] in stored_files(app)  # on the upload path, not in the database
    assert set(job.result) == {"file", "filename", "mimetype", "size", "sha256", "pk"}  # no bytes in the row
    _job, _html, minutes = report_via_job(committee, f"/committeesessionview/minutes_pdf/{cs_id}", page=page)
    assert minutes.data.startswith(b"%PDF")
    # outside the scope: the job is not theirs and what it was made from is not theirs
    for user in ("evaluator1", "grader", "manager1"):
        assert login(user).get(f"/jobs/{job_id}/download").status_code in (403, 404), user


def test_another_committee_member_cannot_download_my_file(app, login, db_session):
    from tests.conftest import Client

    cs_id = db_session.scalars(select(AgendaItem.session_id)).first()
    _job_id, _html, pdf = report_via_job(login("committee"), f"/committeesessionview/agenda_pdf/{cs_id}",
                                         page=f"/committeesessionview/show/{cs_id}")
    assert pdf.status_code == 200
    sm = app.appbuilder.sm
    with app.app_context():
        sm.add_user("committee2", "Δεύτερο", "Μέλος", "committee2@example.gr", [sm.find_role("Committee")],
                    password="Str0ng!Passw0rd-x9")
    other = Client(app.test_client()).login("committee2", "Str0ng!Passw0rd-x9")
    assert other.get(f"/jobs/{_job_id}/download").status_code == 404
    assert other.get(f"/jobs/{_job_id}").status_code == 404


def test_a_failed_job_keeps_the_previous_file_and_shows_its_error(app, login, db_session):
    cs_id = db_session.scalars(select(AgendaItem.session_id)).first()
    committee = login("committee")
    first, _html, pdf = report_via_job(committee, f"/committeesessionview/agenda_pdf/{cs_id}",
                                       page=f"/committeesessionview/show/{cs_id}")
    before = stored_files(app)
    user_id = db_session.scalar(select(AppUser.id).where(AppUser.username == "committee"))
    with app.test_request_context():
        g.user = db_session.get(AppUser, user_id)
        failed = jobs.enqueue("committee_agenda_pdf", {"pk": 10**9}, actor_id=user_id)  # no such session
    assert failed.state is JobState.failed and failed.error and failed.result is None
    assert stored_files(app) == before  # nothing half-written, nothing removed
    html = committee.get(f"/jobs/{failed.id}").get_data(as_text=True)
    assert 'id="job-error"' in html and "δεν βρέθηκε" in html.lower() and 'id="job-download"' not in html
    assert committee.get(f"/jobs/{failed.id}/download").status_code == 404
    again = committee.get(f"/jobs/{first}/download")  # the previous file is still there
    assert again.status_code == 200 and again.data == pdf.data


def test_nominal_tables_complete_in_parts(app, login, db_session, monkeypatch):
    """Small parts force the joining: every listed evaluator appears and the pages are
    numbered across the parts."""
    import reports.jobs

    monkeypatch.setattr(reports.jobs, "PART_ROWS", 3)
    req = db_session.scalars(select(SelectionRequest).order_by(SelectionRequest.id)).first()
    run = service.run_selection(db_session, req, None, seed="parts")
    ranked = [(r.evaluator.registry_no, r.selected) for r in run.results]
    kept_out = [x.evaluator.registry_no for x in run.exclusions]
    assert any(s for _n, s in ranked) and any(not s for _n, s in ranked)
    committee = login("committee")
    _job, _html, pdf = report_via_job(committee, f"/selectionrequestview/pdf/{req.id}?run={run.id}",
                                      page=f"/selectionrequestview/show/{req.id}")
    reader = PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert all(number in text for number, _s in ranked)  # selected and not selected
    assert all(number in text for number in kept_out)
    assert f"{len(reader.pages)} / {len(reader.pages)}" in reader.pages[-1].extract_text()
    assert len(reader.pages) >= 2 and f"1 / {len(reader.pages)}" in reader.pages[0].extract_text()  # across parts
    assert text.count("Ονομαστικός πίνακας αξιολογητών") == 1  # the heading once, not per part
    _job, _html, table = report_via_job(committee, "/nominal-table/pdf/", page="/nominal-table/list/")
    listed = db_session.scalars(select(Evaluator.registry_no).where(
        Evaluator.status == EvaluatorStatus.enrolled, Evaluator.entry_score.is_not(None))).all()
    text = pdf_text(table.data)
    assert listed and all(n in text for n in listed)


def test_decision_mail_is_a_job_and_a_mail_failure_keeps_the_decision(app, db_session):
    ev = db_session.scalars(select(Evaluator).where(Evaluator.status == EvaluatorStatus.under_examination,
                                                    Evaluator.email.is_not(None))).first()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: a real refused connection
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    with app.test_request_context():
        d = service.decide_in_principle(db_session, ev, False, "Ελλιπής φάκελος", None)
    db_session.expire_all()
    assert db_session.get(Decision, d.id).kind is DecisionKind.not_admitted  # the decision stays
    job = db_session.scalars(select(Job).where(Job.kind == "decision_mail").order_by(Job.id.desc())).first()
    assert job.state is JobState.failed and job.params["decision_id"] == d.id
    assert re.search("αλληλογραφ|διακομιστ", job.error)
    app.config.update(MAIL_TRANSPORT="outbox")
    with app.test_request_context():
        retried = jobs.retry(job.id)
    assert retried.state is JobState.succeeded and retried.retry_of == job.id
    mails = [m for m in outbox(app) if m["To"] == ev.email]
    assert mails and "Ελλιπής φάκελος" in body(mails[-1])  # the retry mails the same decision
