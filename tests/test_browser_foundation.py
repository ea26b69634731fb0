"""Real-browser checks of the foundation: Greek by default, English one click away,
only the permitted menus, POST logout."""
import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def menu_texts(page) -> list[str]:
    return [t.strip() for t in page.locator("ul.nav.navbar-nav >> nth=0").locator("> li > a").all_inner_texts()]


def test_centre_manager_sees_greek_ui_switches_language_and_only_permitted_menus(page):
    browser_login(page, "manager1")
    assert "Συνδεθήκατε ως" in page.inner_text("body")
    menus = menu_texts(page)
    assert any("Διαχείριση πόρων ΚΣΕ" in m for m in menus)
    assert not any("Μητρώο Αξιολογητών" in m for m in menus)
    assert not any("Ασφάλεια" in m or "Security" in m for m in menus)

    # The language switch in the user menu: one click to English and back.
    page.click("#user-menu > a")
    page.click("a.language-switch[data-lang=en]")
    page.wait_for_load_state()
    assert "Signed in as" in page.inner_text("body")
    assert any("Centre resources" in m for m in menu_texts(page))

    # Only their own centre is listed.
    page.goto("/centreview/list/")
    body = page.inner_text("body")
    assert "KSE00001" in body and "KSE00002" not in body

    # Logout is a POST form in the user menu.
    page.click("#user-menu > a")
    page.click("#logout-button")
    page.wait_for_load_state()
    assert page.locator("#user-menu").count() == 0


def test_helpdesk_sees_every_area_but_no_add_buttons(page):
    browser_login(page, "helpdesk")
    menus = " ".join(menu_texts(page))
    for area in ("Διαχείριση πόρων ΚΣΕ", "Μητρώο Αξιολογητών", "Σύστημα"):
        assert area in menus
    # The system's menus share «Σύστημα», each under its heading (app.ui.navbar_entries).
    page.click("#system-menu > a")
    assert "Δεδομένα αναφοράς" in page.locator("#system-menu .dropdown-header").all_inner_texts()
    page.goto("/centreview/list/")
    assert "KSE00002" in page.inner_text("body")
    assert page.locator("a[href*='/centreview/add']").count() == 0
    assert page.locator("#export-csv").count() == 1
