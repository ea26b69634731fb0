"""Real browser (Debian chromium): a committee member goes from the next session's
agenda to an enrolled evaluator with ΒΕ (E-4, E-5, E-6, E-7)."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.committee import SECTIONS
from models.committee import AgendaItem
from models.evaluators import Evaluator, EvaluatorStatus, Verification
from tests.conftest import browser_login

pytestmark = pytest.mark.browser
MENU = "Μητρώο Αξιολογητών"


def test_committee_from_agenda_to_enrolled_evaluator(page, db_session):
    item = db_session.scalars(select(AgendaItem).order_by(AgendaItem.id)).first()
    name = item.evaluator.full_name
    browser_login(page, "committee")
    page.click(f"ul.nav.navbar-nav >> text={MENU}")
    page.click("ul.dropdown-menu >> text=Συνεδριάσεις Επιτροπής")
    page.wait_for_load_state()
    page.locator(f"a[href*='/committeesessionview/show/{item.session_id}']").first.click()
    page.wait_for_load_state()
    assert "Ημερήσια διάταξη" in page.inner_text("#agenda-panel")
    session_url = page.url
    page.click("#agenda-pdf")  # a background job: its page shows the progress, then the file
    page.wait_for_selector("#job-download")
    assert "/jobs/" in page.url and "Ολοκληρώθηκε" in page.inner_text("#job-state")
    with page.expect_download() as download:
        page.click("#job-download")
    assert download.value.suggested_filename.endswith(".pdf")
    page.goto(session_url)
    page.click(f"#agenda-table >> text={name}")
    page.wait_for_load_state()
    assert "Υπό εξέταση" in page.inner_text("#ev-status")

    page.click("#admit")  # form I.3: included in principle
    page.wait_for_load_state()
    assert "Κατ' αρχήν ένταξη" in page.inner_text("#current-decision")

    marks = {"breadth": "70", "reach": "101", "completeness": "90", "participation": "65"}
    for key, value in marks.items():
        page.fill(f"#mark-{key}", value)
    page.evaluate("document.getElementById('mark-reach').removeAttribute('max')")  # the server decides
    page.click("#save-marks")
    page.wait_for_load_state()
    assert "από 0 έως 100" in page.inner_text("body")
    assert "—" in page.inner_text("#interview-score")
    page.fill("#mark-breadth", "70")
    page.fill("#mark-reach", "80")
    page.fill("#mark-completeness", "90")
    page.fill("#mark-participation", "65")
    page.click("#save-marks")
    page.wait_for_load_state()
    assert "76,25" in page.inner_text("#interview-score").replace(".", ",")

    for code in ("1", "2", "3", "4", "5"):
        page.check(f"#field-{code}")
    page.click("#save-recognition")
    page.wait_for_load_state()
    assert "το πολύ 4 θεματικά πεδία" in page.inner_text("body")
    page.check("#field-6")
    page.check("#field-2")
    page.click("#save-recognition")
    page.wait_for_load_state()
    assert "Πληροφορική" in page.inner_text("#recognised-fields")

    # E-5: every row against its document; the first experience row is re-coded to one
    # person-month (the candidate's value stays visible next to the committee's).
    forms = page.locator("#verification-table form")
    recoded = None
    for index in range(forms.count()):
        form = page.locator("#verification-table form").nth(index)
        months = form.locator("input[name=value_recoded_person_months]")
        if recoded is None and months.count():
            recoded = page.locator("#verification-table tr").nth(index + 1).locator("td").nth(1).inner_text()
            months.fill("1")
            form.locator("select").select_option("recoded")
        else:
            form.locator("select").select_option("confirmed")
        form.locator("button").click()
        page.wait_for_load_state()
        assert "Η επαλήθευση καταχωρίστηκε" in page.inner_text("body")
    table = page.inner_text("#verification-table")
    assert recoded and recoded in table  # the candidate's value is kept
    assert "Ανθρωπομήνες: 1" in table  # and the committee's next to it
    db_session.expire_all()
    states = {r.verification for model, _label, _recodable in SECTIONS.values()
              for r in db_session.scalars(select(model).where(model.evaluator_id == item.evaluator_id))}
    assert Verification.pending not in states and Verification.recoded in states

    page.click("#validate")
    page.wait_for_load_state()
    assert "Ενταγμένος" in page.inner_text("#ev-status")
    shown = page.inner_text("#ev-score")
    db_session.expire_all()
    ev = db_session.get(Evaluator, item.evaluator_id)
    assert ev.status is EvaluatorStatus.enrolled and ev.entry_score is not None
    assert shown == f"{ev.entry_score:.2f}"
    assert "Ένταξη στο Μητρώο" in page.inner_text("#decision-history")

    # after enrolment ΒΕ3 is corrected by a new, reasoned entry; ΒΕ follows
    enrolled_be = ev.entry_score
    page.fill("#correct-reach", "60")
    page.fill("#correct-interview-form input[name=reason]", "Λάθος μεταφορά από το πρακτικό")
    page.click("#correct-marks")
    page.wait_for_load_state()
    assert "Λάθος μεταφορά από το πρακτικό" in page.inner_text("#corrections")
    db_session.expire_all()
    corrected = db_session.get(Evaluator, item.evaluator_id)
    assert corrected.interview_score == Decimal("71.25") and corrected.entry_score < enrolled_be
    assert page.inner_text("#ev-score") == f"{corrected.entry_score:.2f}"
