"""Helpers for the evaluator-registry tests: a complete application filled in through
the real forms (HTTP), real PDF/PNG bytes, the captured outbox."""
from __future__ import annotations

import email
import email.policy
import io
from pathlib import Path

from sqlalchemy import select

from models.reference import Prefecture, Region, TargetGroup, ThematicField


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def pdf_bytes(text: str = "evidence") -> bytes:
    """A real one-page PDF (pypdf)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def file_id(session, username: str) -> int:
    from models.users import AppUser

    return session.scalar(select(AppUser.evaluator_id).where(AppUser.username == username))


def ids(session, model) -> list[int]:
    return list(session.scalars(select(model.id).order_by(model.code)))


def personal_data_form(session, **overrides) -> dict:
    data = {
        "last_name": "Παπαδημητρίου", "first_name": "Σοφία", "father_name": "Γεώργιος", "id_card_no": "ΑΒ123456",
        "home_street": "Πανεπιστημίου", "home_number": "10", "home_city": "Αθήνα", "home_postcode": "10564",
        "afm": "109999994", "tax_office": "Α' Αθηνών", "birth_date": "1980-05-17", "gender": "female",
        "mail_address": "Πανεπιστημίου 10", "mail_city": "Αθήνα", "mail_postcode": "10564",
        "mail_prefecture": str(session.scalar(select(Prefecture.id).order_by(Prefecture.code))),
        "region": str(ids(session, Region)[8]), "phone": "2101234567", "fax": "", "email": "candidate@example.gr",
        "profession": "Οικονομολόγος", "employment_form": "employee", "economic_sector": "Υπηρεσίες",
        "employer_name": "ΟΑΕΔ", "work_address": "Εθνικής Αντιστάσεως 8", "work_city": "Άλιμος",
        "work_postcode": "17456", "work_phone": "2109989000", "work_email": "s.papadimitriou@example.gr",
        "has_current_centre_relation": "", "has_past_centre_relation": "",
        "experience_relevance": "Διαχείριση και αξιολόγηση προγραμμάτων κατάρτισης ΕΚΤ.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def upload(client, data: bytes, name: str, kind: str = "degree", description: str = "Πτυχίο"):
    return client.post_form("/evaluator-documents/upload/", {
        "kind": kind, "description": description, "issuer": "ΕΚΠΑ",
        "file": (io.BytesIO(data), name)}, page="/evaluator-documents/list/", content_type="multipart/form-data")


def add_row(client, view: str, data: dict):
    return client.post_form(f"/{view}/add", data, page=f"/{view}/add")


def fill_complete_application(client, session, evaluator_id: int) -> None:
    """Everything form I.2 needs, through the real forms, as the candidate would."""
    response = client.post_form(f"/evaluatorview/edit/{evaluator_id}", personal_data_form(session),
                                page=f"/evaluatorview/edit/{evaluator_id}")
    assert response.status_code == 302, _errors(response)
    assert upload(client, pdf_bytes("degree"), "ptyxio.pdf").status_code == 302
    assert upload(client, PNG, "proypiresia.png", kind="experience", description="Βεβαίωση προϋπηρεσίας"
                  ).status_code == 302
    session.expire_all()
    from models.evaluators import SupportingDocument

    docs = list(session.scalars(select(SupportingDocument.id).where(SupportingDocument.evaluator_id == evaluator_id)
                                .order_by(SupportingDocument.id)))
    assert len(docs) == 2
    field = str(ids(session, ThematicField)[4])
    rows = [
        ("evaluatordegreeview", {"institution": "ΕΚΠΑ – Οικονομικό", "city": "Αθήνα", "country": "Ελλάδα",
                                 "kind": "aei", "title": "Πτυχίο Οικονομικών", "awarded_on": "2003-07-01",
                                 "thematic_field": field, "document": str(docs[0])}),
        ("evaluatorcofundedexperienceview", {"employer": "ΕΥΔ ΕΠ", "role": "Στέλεχος", "start_month": "2022-01-01",
                                             "end_month": "2023-12-01", "person_months": "24",
                                             "thematic_field": field, "document": str(docs[1])}),
        ("evaluatorprofessionalexperienceview", {"employer": "ΟΑΕΔ", "role": "Σύμβουλος", "start_month": "2010-01-01",
                                                 "end_month": "2013-12-01", "person_months": "40",
                                                 "thematic_field": field, "document": str(docs[1])}),
        ("fieldpreferenceview", {"priority": "1", "thematic_field": field}),
        ("grouppreferenceview", {"priority": "1", "target_group": str(ids(session, TargetGroup)[10])}),
        ("regionpreferenceview", {"priority": "1", "region": str(ids(session, Region)[8])}),
    ]
    for view, data in rows:
        response = add_row(client, view, data)
        assert response.status_code == 302, (view, _errors(response))
    session.expire_all()


def submit(client, consent=True, declarations=True):
    data = {}
    if consent:
        data["consent"] = "y"
    if declarations:
        data["declarations"] = "y"
    return client.post_form("/myapplication/submit/", data, page="/myapplication/list/")


def _errors(response) -> str:
    """The form's error messages and flashes (what a person would read)."""
    import re

    text = response.get_data(as_text=True)
    found = re.findall(r'class="[^"]*(?:help-block|alert)[^"]*"[^>]*>(.*?)</', text, re.S)
    return f"{response.status_code}: " + " | ".join(re.sub(r"\s+", " ", f).strip() for f in found)


def report_via_job(client, url: str, page: str = "/"):
    """Start a report job by its button (POST), follow to the job's page (jobs run at
    once in tests) and download the file. Returns (job id, job page HTML, download
    response or None when the page offers no file)."""
    import re

    started = client.post_form(url, {}, page=page)
    assert started.status_code in (302, 303), (url, started.status_code)
    location = started.headers["Location"]
    match = re.search(r"/jobs/(\d+)$", location)
    assert match, location
    html = client.get(location).get_data(as_text=True)
    link = re.search(r'id="job-download" href="([^"]+)"', html)
    return int(match.group(1)), html, (client.get(link.group(1)) if link else None)
