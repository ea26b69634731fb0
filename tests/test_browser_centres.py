"""Real browser (Debian chromium): a centre manager walks rooms → workstations → staff
→ minutes → final submission (K-1, K-2, K-3); the help desk walks the same pages
read-only (K-11)."""
import pytest

from tests.centres_support import pdf_bytes
from tests.conftest import browser_login

pytestmark = pytest.mark.browser

MENU = "Διαχείριση πόρων ΚΣΕ"


def open_menu(page, item: str):
    page.click(f"ul.nav.navbar-nav >> text={MENU}")
    page.click(f"ul.dropdown-menu >> text={item}")
    page.wait_for_load_state()


def test_manager_walks_rooms_staff_minutes_and_submits(page):
    browser_login(page, "manager1")

    # K-1: rooms with certification, evaluation and counts; a count opens those workstations.
    open_menu(page, "Διαχείριση Αιθουσών")
    rows = page.locator("table.table tbody tr, table.table tr:has(td)")
    assert "Ε1" in page.inner_text("body") and "KSE00002" not in page.inner_text("body")
    assert "Θετική" in page.inner_text("body")
    count = page.locator("a.ws-certified").first.inner_text()
    page.locator("a.ws-certified").first.click()
    page.wait_for_load_state()
    body = page.inner_text("body")
    assert int(count) == len(set(__import__("re").findall(r"ΣΕ-\d{5}-\d{2}", body)))
    assert "Επεξεργαστής" in body and ("Windows" in body or "Ubuntu" in body)
    page.go_back()
    assert rows.count() >= 1

    # K-2: add a coordinator; a bad Α.Φ.Μ. is refused at the field first.
    open_menu(page, "Διαχείριση Προσωπικού Συντονισμού")
    page.click("a[href*='/coordinatorview/add']")
    page.fill("#last_name", "Δημητρίου")
    page.fill("#first_name", "Σοφία")
    page.fill("#afm", "123456789")
    page.click("#model_form [type=submit]")
    page.wait_for_load_state()
    assert "Μη έγκυρος Α.Φ.Μ." in page.inner_text("body")
    page.fill("#afm", "555000019")  # make_afm(55500001): a valid check digit
    page.click("#model_form [type=submit]")
    page.wait_for_load_state()
    assert "555000019" in page.inner_text("body")

    # K-3: upload the minutes; it shows as a link.
    open_menu(page, "Πρακτικό Συλλόγου Διδασκόντων")
    page.set_input_files("#minutes-file", files=[{"name": "Πρακτικό Συλλόγου.pdf", "mimeType": "application/pdf",
                                                  "buffer": pdf_bytes(pages=2)}])
    page.click("#minutes-upload-button")
    page.wait_for_load_state()
    assert "αναρτήθηκε (έκδοση 1)" in page.inner_text("body")
    with page.expect_download() as download:
        page.locator("#minutes-current a.minutes-file").click()
    assert download.value.suggested_filename == "Πρακτικό Συλλόγου.pdf"

    # K-2/K-3: the final submission is refused while anyone is unconfirmed …
    open_menu(page, "Οριστική υποβολή αίτησης αλλαγών στελεχικού δυναμικού")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#final-submit")
    page.wait_for_load_state()
    assert "Δημητρίου Σοφία" in page.inner_text(".alert-danger")
    # … then everyone is confirmed and the submission goes through.
    for box in page.locator("input[name=member]").all():
        box.check()
    page.click("#save-confirmations")
    page.wait_for_load_state()
    assert "Οι επιβεβαιώσεις αποθηκεύτηκαν." in page.inner_text("body")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#final-submit")
    page.wait_for_load_state()
    assert page.locator("#submission-final").count() == 1
    assert page.locator("#final-submit").count() == 0

    # Read-only for this period.
    open_menu(page, "Διαχείριση Προσωπικού Συντονισμού")
    assert page.locator("#staff-readonly").count() == 1
    assert page.locator("a[href*='/coordinatorview/add']").count() == 0
    assert page.locator("a[href*='/coordinatorview/edit/']").count() == 0


def test_helpdesk_walks_the_same_pages_read_only(page, db_session, login):
    # Something to look at: manager2 uploads minutes.
    import io

    from tests.centres_support import period

    login("manager2").post_form("/minutes/upload/", {"training_period": period(db_session).id,
                                                     "file": (io.BytesIO(pdf_bytes()), "Πρακτικό ΚΣΕ 2.pdf")},
                                page="/minutes/list/", content_type="multipart/form-data")
    browser_login(page, "helpdesk")
    open_menu(page, "Διαχείριση Αιθουσών")
    body = page.inner_text("body")
    assert "KSE00001" in body and "KSE00002" in body
    assert page.locator("a[href*='/roomview/add'], a[href*='/roomview/edit/']").count() == 0
    assert page.locator("#export-csv").count() == 1
    page.locator("a.ws-uncertified").first.click()
    page.wait_for_load_state()
    assert page.locator("a[href*='/workstationview/edit/']").count() == 0

    for item, view in (("Διαχείριση Προσωπικού Συντονισμού", "coordinatorview"), ("Διαχείριση τεχνικών υπευθύνων", "technicalmanagerview")):
        open_menu(page, item)
        assert page.locator(f"a[href*='/{view}/add'], a[href*='/{view}/edit/'], a[id^='btn-delete']").count() == 0
        assert "KSE00002" in page.inner_text("body")

    open_menu(page, "Πρακτικό Συλλόγου Διδασκόντων")
    assert page.locator("#minutes-upload").count() == 0
    with page.expect_download() as download:
        page.click("text=Πρακτικό ΚΣΕ 2.pdf")
    assert download.value.suggested_filename == "Πρακτικό ΚΣΕ 2.pdf"

    open_menu(page, "Υποβολές στελεχικού δυναμικού")
    assert page.locator("#export-csv").count() == 1
    page.click(f"ul.nav.navbar-nav >> text={MENU}")
    assert page.locator("ul.dropdown-menu >> text=Οριστική υποβολή αίτησης αλλαγών στελεχικού δυναμικού").count() == 0
