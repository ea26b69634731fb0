"""Real browser (Debian chromium): a candidate registers from the login page, confirms by
the link in the captured outbox, fills in form I.2 section by section with a supporting
document, submits with the consent and the solemn declarations, gets a protocol number
and a receipt mail, and downloads form I.2 (read back with pypdf)."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.rules.identifiers import make_afm
from models.reference import Prefecture, Region, TargetGroup, ThematicField
from tests.conftest import browser_login
from tests.evaluators_helpers import body, outbox, pdf_bytes

pytestmark = pytest.mark.browser
PASSWORD = "Ypopsifios-Neos-2027!"


def choose(page, selector: str, value) -> None:
    """Set a select (FAB decorates them with select2) to a value."""
    page.evaluate("([s, v]) => { const el = document.querySelector(s); el.value = v; "
                  "el.dispatchEvent(new Event('change', {bubbles: true})); }", [selector, str(value)])


def fill(page, field: str, value: str) -> None:
    if field.endswith(("_on", "_date", "_month")):
        choose(page, f"#{field}", value)  # the date picker rewrites typed dates: set the value itself
    else:
        page.fill(f"#{field}", value)


def save(page) -> str:
    page.click("#model_form [type=submit], form [type=submit].btn-primary")
    page.wait_for_load_state()
    return page.inner_text("body")


def add_row(page, view: str, texts: dict, selects: dict) -> None:
    page.goto(f"/{view}/add")
    for field, value in texts.items():
        fill(page, field, value)
    for field, value in selects.items():
        choose(page, f"#{field}", value)
    text = save(page)
    assert f"/{view}/add" not in page.url, text[:3000]


def test_candidate_registers_fills_in_and_submits(page, app, db_session):
    afm = make_afm(56_000_001)
    page.goto("/login/")
    page.click("#evaluator-registration-link")
    page.wait_for_load_state()
    for field, value in (("username", "ypopsifios"), ("first_name", "Ανδρέας"), ("last_name", "Κυριακίδης"),
                         ("email", "andreas@example.gr"), ("afm", afm), ("password", PASSWORD),
                         ("conf_password", PASSWORD)):
        page.fill(f"#{field}", value)
    page.click("#registration-submit")
    page.wait_for_selector("#registration-sent")
    (mail,) = outbox(app)
    link = re.search(r"(/evaluator-registration/confirm/\S+)", body(mail)).group(1)
    page.goto(link)
    page.wait_for_load_state()
    browser_login(page, "ypopsifios", PASSWORD)

    page.goto("/myapplication/list/")
    assert "Κυριακίδης" in page.inner_text("#application-summary")
    page.click("#section-file")
    page.wait_for_load_state()
    region = db_session.scalars(select(Region.id).order_by(Region.code)).all()[8]
    prefecture = db_session.scalar(select(Prefecture.id).order_by(Prefecture.code))
    for field, value in (("father_name", "Νικόλαος"), ("id_card_no", "ΑΚ445566"), ("home_street", "Σταδίου"),
                         ("home_number", "5"), ("home_city", "Αθήνα"), ("home_postcode", "10562"),
                         ("tax_office", "Δ' Αθηνών"), ("birth_date", "1978-03-02"),
                         ("mail_address", "Σταδίου 5"), ("mail_city", "Αθήνα"), ("mail_postcode", "10562"),
                         ("phone", "2103334444"), ("profession", "Κοινωνιολόγος"),
                         ("experience_relevance", "Αξιολόγηση προγραμμάτων κατάρτισης του ΕΚΤ.")):
        fill(page, field, value)
    for field, value in (("gender", "male"), ("employment_form", "self_employed"), ("region", region),
                         ("mail_prefecture", prefecture)):
        choose(page, f"#{field}", value)
    save(page)

    page.goto("/evaluator-documents/list/")
    page.fill("#doc-description", "Πτυχίο και βεβαιώσεις")
    page.set_input_files("#doc-file", files=[{"name": "ptyxio.pdf", "mimeType": "application/pdf",
                                              "buffer": pdf_bytes("degree")}])
    page.click("#doc-upload-button")
    page.wait_for_load_state()
    assert "ptyxio.pdf" in page.inner_text("body")
    from models.evaluators import SupportingDocument

    document = db_session.scalar(select(SupportingDocument.id).where(SupportingDocument.filename == "ptyxio.pdf"))
    field = db_session.scalars(select(ThematicField.id).order_by(ThematicField.code)).all()[5]
    group = db_session.scalars(select(TargetGroup.id).order_by(TargetGroup.code)).all()[9]
    add_row(page, "evaluatordegreeview", {"institution": "Πάντειο – Κοινωνιολογίας", "country": "Ελλάδα",
                                          "title": "Πτυχίο Κοινωνιολογίας", "awarded_on": "2001-06-30"},
            {"kind": "aei", "document": document, "thematic_field": field})
    add_row(page, "evaluatorprofessionalexperienceview",
            {"employer": "Ινστιτούτο Εργασίας", "role": "Ερευνητής", "start_month": "2015-01-01",
             "end_month": "2019-12-01", "person_months": "48"}, {"document": document})
    add_row(page, "fieldpreferenceview", {"priority": "1"}, {"thematic_field": field})
    add_row(page, "grouppreferenceview", {"priority": "1"}, {"target_group": group})
    add_row(page, "regionpreferenceview", {"priority": "1"}, {"region": region})

    page.goto("/myapplication/list/")
    assert page.locator("#missing").count() == 0, page.inner_text("#missing")
    page.click("#submit-application")  # without the declarations: refused, nothing changes
    page.wait_for_load_state()
    assert "έντυπο Ι.1" in page.inner_text(".alert-danger")
    page.check("#consent")
    page.check("#declarations")
    page.click("#submit-application")
    page.wait_for_load_state()
    protocol = page.inner_text("#protocol-no").strip()
    assert re.fullmatch(r"ΕΜΑ-\d{4}/\d{6}", protocol)
    assert "Υποβλήθηκε" in page.inner_text("#application-status")
    receipt = outbox(app)[-1]
    assert receipt["To"] == "andreas@example.gr" and protocol in body(receipt)
    with page.expect_download() as download:
        page.click("#form-i2-link")
    with open(download.value.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "ΕΝΤΥΠΟ Ι.2" in text and protocol in text and "Κυριακίδης" in text and "Κοινωνιολογίας" in text
