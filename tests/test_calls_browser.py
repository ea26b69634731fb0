"""Real browser (Debian chromium): a centre manager from an empty application to a
downloaded Form A2 (K-5, K-6, K-7, K-8), with the JavaScript dual list, keyboard included."""
from pathlib import Path

import pytest

from tests.calls_helpers import pdf_text
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def chosen_codes(page) -> list[str]:
    return [text.split()[0] for text in page.locator("#dl-chosen option").all_inner_texts()]


def test_manager_ranks_clusters_submits_finally_and_downloads_a2(page):
    browser_login(page, "manager1")
    page.click("text=Προγράμματα Επιμόρφωσης")
    page.click("text=Επιλογή/Κατανομή συστάδων")
    page.wait_for_load_state()
    assert "B2-DEMO-OPEN" in page.inner_text("#call-info")
    assert page.is_visible("#dual-list") and not page.is_visible("#rank-table")  # enhanced by JavaScript
    assert page.is_visible("#annex-link")

    # K-5: "Save choices" is disabled until every declaration is accepted.
    assert page.is_disabled("#save-choices")
    assert page.is_disabled("#final-submit")

    # Keyboard: select Β2.13 in the left list and press Enter.
    page.select_option("#dl-available", label="Β2.13 Ειδικής Αγωγής")
    page.press("#dl-available", "Enter")
    assert chosen_codes(page) == ["Β2.13"]
    assert page.evaluate("document.activeElement.id") == "dl-available"  # focus stays where the user works
    # Buttons: one to the right, then all the rest as they are.
    page.select_option("#dl-available", label="Β2.2 Μαθηματικοί")
    page.click("#dl-right")
    assert page.evaluate("document.activeElement.id") == "dl-right"
    assert chosen_codes(page) == ["Β2.13", "Β2.2"]
    assert "2" in page.inner_text("#dl-counter") and "13" in page.inner_text("#dl-counter")
    page.click("#dl-all-right")
    assert page.locator("#dl-available option").count() == 0
    assert chosen_codes(page)[:4] == ["Β2.13", "Β2.2", "Β2.1", "Β2.3"] and len(chosen_codes(page)) == 13
    # Reorder: Β2.2 up to first place, Alt+Down back, Β2.1 up with the button.
    page.select_option("#dl-chosen", label="Β2.2 Μαθηματικοί")
    page.click("#dl-up")
    assert chosen_codes(page)[:2] == ["Β2.2", "Β2.13"]
    page.focus("#dl-chosen")
    page.keyboard.press("Alt+ArrowDown")
    assert chosen_codes(page)[:2] == ["Β2.13", "Β2.2"]
    # One back to the left and again to the right (it goes last); all left and back again.
    page.select_option("#dl-chosen", label="Β2.1 Φιλόλογοι")
    page.click("#dl-left")
    assert "Β2.1" not in chosen_codes(page) and page.locator("#dl-available option").count() == 1
    page.select_option("#dl-available", label="Β2.1 Φιλόλογοι")
    page.click("#dl-right")
    expected = chosen_codes(page)
    assert expected[-1] == "Β2.1" and len(expected) == 13

    for box in page.locator("input.declaration").all():
        assert page.is_disabled("#save-choices")
        box.check()
    assert page.is_enabled("#save-choices")
    page.click("#save-choices")
    page.wait_for_load_state()
    assert "Οι επιλογές σας καταχωρίστηκαν" in page.inner_text("body")
    assert chosen_codes(page) == expected

    # K-7: "Final submission" asks Yes/No; "No" leaves a draft to correct.
    page.click("#final-submit")
    assert page.is_visible("#confirm-final")
    page.click("#confirm-no")
    assert not page.is_visible("#confirm-final") and page.is_visible("#choices-form")
    page.click("#final-submit")
    page.click("#confirm-yes")
    page.wait_for_load_state()
    assert "Η οριστική υποβολή ολοκληρώθηκε" in page.inner_text("body")
    number = page.inner_text("#random-number").strip()
    assert len(number) == 12 and number.isdigit()
    final = [item.split()[0] for item in page.locator("#final-choices li").all_inner_texts()]
    assert final == expected
    assert page.locator("#choices-form").count() == 0  # read-only from now on

    # K-8: Form A2, downloaded as a file and read back.
    with page.expect_download() as info:
        page.click("#a2-link")
    text = pdf_text(Path(info.value.path()).read_bytes())
    assert number in text and "ΕΝΤΥΠΟ Α2" in text
    for name in ("Ειδικής Αγωγής", "Μαθηματικοί", "Φιλόλογοι", "Επιστημών Υγείας και Πρόνοιας"):
        assert name in text, name

    # The same A2 is listed under "Έγγραφα Φυσικού Αντικειμένου".
    page.click("text=Έγγραφα Φυσικού Αντικειμένου")
    page.click("text=Προγράμματα επιμόρφωσης → Α2")
    page.wait_for_load_state()
    body = page.inner_text("body")
    assert number in body and page.locator("a.a2-download").count() == 2, body  # and the demo's closed call
