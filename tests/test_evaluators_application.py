"""The candidate's application (E-3): form I.2 through the real forms, server-side
checks with Greek messages, supporting documents, submission with a protocol number and
a receipt mail, PDFs I.1 and I.2 read back, personal-data download; only one's own file."""
import io
import re
import json
import zipfile

from pypdf import PdfReader
from sqlalchemy import func, select

from models.evaluators import (Evaluator, EvaluatorDegree, EvaluatorStatus, EvaluatorStatusChange,
                               EvaluatorTraining, SupportingDocument)
from tests.evaluators_helpers import (PNG, add_row, body, file_id, fill_complete_application, outbox, pdf_bytes,
                                      personal_data_form, submit, upload)


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_complete_application_is_submitted_with_protocol_number_mail_and_pdfs(app, login, db_session):
    client = login("candidate")
    evaluator_id = file_id(db_session, "candidate")
    page = client.get("/myapplication/list/").get_data(as_text=True)
    assert "Προσωρινή" in page and 'id="missing"' in page
    fill_complete_application(client, db_session, evaluator_id)
    response = submit(client)
    assert response.status_code == 302
    evaluator = db_session.get(Evaluator, evaluator_id)
    assert evaluator.status is EvaluatorStatus.submitted
    assert evaluator.protocol_no.startswith("ΕΜΑ-") and len(evaluator.protocol_no.split("/")[1]) == 6
    assert evaluator.consent_at is not None and evaluator.declarations_at is not None
    assert evaluator.qualification_score is not None  # provisional ΒΕ1
    page = client.get("/myapplication/list/").get_data(as_text=True)
    assert evaluator.protocol_no in page and "Υποβλήθηκε" in page
    (receipt,) = outbox(app)
    assert receipt["To"] == "candidate@example.gr" and evaluator.protocol_no in receipt["Subject"]
    assert evaluator.protocol_no in body(receipt)
    i2 = client.get(f"/evaluatorview/form-i2/{evaluator_id}")
    assert i2.status_code == 200 and i2.mimetype == "application/pdf"
    text = pdf_text(i2.data)
    for expected in ("ΕΝΤΥΠΟ Ι.2", evaluator.protocol_no, "Παπαδημητρίου", "Πτυχίο Οικονομικών", "109999994"):
        assert expected in text, expected
    i1 = pdf_text(client.get(f"/evaluatorview/form-i1/{evaluator_id}").data)
    assert "ΕΝΤΥΠΟ Ι.1" in i1 and "2472/97" in i1 and evaluator.protocol_no in i1
    history = db_session.scalars(select(EvaluatorStatusChange.to_status).where(
        EvaluatorStatusChange.evaluator_id == evaluator_id)).all()
    assert EvaluatorStatus.submitted in history
    # A submitted application can no longer be changed by the candidate
    response = client.post_form(f"/evaluatorview/edit/{evaluator_id}", personal_data_form(db_session, last_name="Χ"),
                                page=f"/evaluatorview/show/{evaluator_id}")
    db_session.expire_all()
    assert db_session.get(Evaluator, evaluator_id).last_name == "Παπαδημητρίου"
    # and a second submission (double click) gives no second number
    assert submit(client).status_code == 302
    db_session.expire_all()
    assert db_session.get(Evaluator, evaluator_id).protocol_no == evaluator.protocol_no
    assert len(outbox(app)) == 1


def test_submission_is_refused_while_incomplete_or_without_declarations(app, login, db_session):
    client = login("candidate")
    evaluator_id = file_id(db_session, "candidate")
    response = submit(client)
    page = client.get("/myapplication/list/").get_data(as_text=True)
    assert "δεν είναι πλήρης" in page
    # what is missing is named, not a bare placeholder
    assert "%(" not in page and re.search(r"δεν είναι πλήρης: [^<\s]", page)
    fill_complete_application(client, db_session, evaluator_id)
    submit(client, declarations=False)
    assert "1599/86" in client.get("/myapplication/list/").get_data(as_text=True)
    submit(client, consent=False)
    db_session.expire_all()
    evaluator = db_session.get(Evaluator, evaluator_id)
    assert evaluator.status is EvaluatorStatus.draft and evaluator.protocol_no is None
    assert outbox(app) == [] and response.status_code == 302


def test_server_checks_every_field_whatever_the_browser_sends(app, login, db_session):
    client = login("candidate")
    evaluator_id = file_id(db_session, "candidate")
    edit = f"/evaluatorview/edit/{evaluator_id}"
    cases = [({"afm": "109999995"}, "Α.Φ.Μ."), ({"home_postcode": "1234"}, "5 ψηφία"),
             ({"email": "not-an-address"}, "e-mail"), ({"birth_date": "2020-01-01"}, "γέννησης")]
    for change, message in cases:
        response = client.post_form(edit, personal_data_form(db_session, **change), page=edit)
        assert message in response.get_data(as_text=True) or message in client.get(edit).get_data(as_text=True), change
        db_session.expire_all()
        assert db_session.get(Evaluator, evaluator_id).afm == "109999994"
    bad_rows = [
        ("evaluatortrainingview", {"provider": "ΙΝΕ", "country": "Ελλάδα", "title": "Επιμόρφωση",
                                   "completed_on": "2010-01-01", "hours": "299"}, "300"),
        ("evaluatorprofessionalexperienceview", {"employer": "Α", "start_month": "2020-01-01",
                                                 "end_month": "2020-12-01", "person_months": "13"}, "12 μήνες"),
        ("evaluatorprofessionalexperienceview", {"employer": "Α", "start_month": "2020-06-01",
                                                 "end_month": "2020-01-01", "person_months": "1"}, "πριν"),
        ("evaluatorcofundedexperienceview", {"employer": "Α", "start_month": "2001-01-01",
                                             "end_month": "2002-01-01", "person_months": "5"}, "πενταετίας"),
    ]
    for view, data, message in bad_rows:
        response = add_row(client, view, data)
        text = response.get_data(as_text=True) + client.get(f"/{view}/list/").get_data(as_text=True)
        assert message in text, (view, data)
    assert db_session.scalar(select(func.count()).select_from(EvaluatorTraining)
                             .where(EvaluatorTraining.evaluator_id == evaluator_id)) == 0
    # exactly 300 hours is accepted
    assert add_row(client, "evaluatortrainingview", {"provider": "ΙΝΕ", "country": "Ελλάδα", "title": "Επιμόρφωση",
                                                     "completed_on": "2010-01-01", "hours": "300"}).status_code == 302
    # ranked preferences: no duplicate choice, no duplicate priority
    from tests.evaluators_helpers import ids
    from models.reference import Region

    regions = ids(db_session, Region)
    assert add_row(client, "regionpreferenceview", {"priority": "1", "region": str(regions[0])}).status_code == 302
    for data, message in (({"priority": "2", "region": str(regions[0])}, "έχει ήδη δηλωθεί"),
                          ({"priority": "1", "region": str(regions[1])}, "έχει ήδη δοθεί"),
                          ({"priority": "14", "region": str(regions[2])}, "από 1 έως 13")):
        response = client.post_form("/regionpreferenceview/add", data, page="/regionpreferenceview/add",
                                    follow_redirects=True)
        assert message in response.get_data(as_text=True), data
    from models.evaluators import EvaluatorRegionPreference

    assert db_session.scalar(select(func.count()).select_from(EvaluatorRegionPreference).where(
        EvaluatorRegionPreference.evaluator_id == evaluator_id)) == 1


def test_documents_type_size_and_row_checked_download(app, login, db_session):
    client = login("candidate")
    evaluator_id = file_id(db_session, "candidate")
    upload(client, b"MZ\x90\x00 not a document", "virus.pdf")
    assert "PDF, JPEG" in client.get("/evaluator-documents/list/").get_data(as_text=True)
    app.config["EVALUATOR_DOCUMENT_MAX_BYTES"] = 1000
    upload(client, pdf_bytes("x" * 2000) + b"%" * 2000, "big.pdf")
    app.config["EVALUATOR_DOCUMENT_MAX_BYTES"] = 5 * 1024 * 1024
    assert db_session.scalar(select(func.count()).select_from(SupportingDocument)) == 0
    assert upload(client, PNG, "scan.png").status_code == 302
    document = db_session.scalars(select(SupportingDocument)).one()
    assert document.evaluator_id == evaluator_id and document.content_type == "image/png"
    assert client.get(f"/evaluator-documents/file/{document.id}").data == PNG
    # Another evaluator, a grader: 404 by id; the list shows them nothing
    other = login("evaluator1")
    assert other.get(f"/evaluator-documents/file/{document.id}").status_code == 404
    assert other.get(f"/evaluator-documents/show/{document.id}").status_code in (302, 404)
    assert "scan.png" not in other.get("/evaluator-documents/list/").get_data(as_text=True)
    assert login("grader").get(f"/evaluator-documents/file/{document.id}").status_code in (403, 404)
    # the committee and the help desk read it
    assert login("helpdesk").get(f"/evaluator-documents/file/{document.id}").data == PNG


def test_an_evaluator_reaches_only_their_own_file(app, login, db_session):
    own = file_id(db_session, "evaluator1")
    other = file_id(db_session, "evaluator2")
    client = login("evaluator1")
    for url in (f"/evaluatorview/form-i2/{other}", f"/evaluatorview/form-i1/{other}",
                f"/evaluatorview/personal-data/{other}"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/evaluatorview/form-i2/{own}").status_code == 200
    degree = db_session.scalars(select(EvaluatorDegree.id).where(EvaluatorDegree.evaluator_id == other)).first()
    assert client.get(f"/evaluatordegreeview/show/{degree}").status_code in (302, 404)
    csv = client.get("/evaluatordegreeview/export/").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 1 + db_session.scalar(
        select(func.count()).select_from(EvaluatorDegree).where(EvaluatorDegree.evaluator_id == own))
    # an enrolled evaluator's file cannot be edited through the form any more
    client.post_form(f"/evaluatorview/edit/{own}", {"last_name": "Άλλος"}, page=f"/evaluatorview/show/{own}")
    db_session.expire_all()
    assert db_session.get(Evaluator, own).last_name != "Άλλος"


def test_personal_data_download_holds_everything(app, login, db_session):
    client = login("evaluator1")
    own = file_id(db_session, "evaluator1")
    response = client.get(f"/evaluatorview/personal-data/{own}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    evaluator = db_session.get(Evaluator, own)
    assert data["evaluator"]["afm"] == evaluator.afm and data["evaluator"]["registry_no"] == "EMA000001"
    assert data["evaluator_degree"] and data["evaluator_professional_experience"]
    assert data["accounts"][0]["username"] == "evaluator1"
    assert "ΕΝΤΥΠΟ Ι.2" in pdf_text(archive.read("form-I2.pdf"))
