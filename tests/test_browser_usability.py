"""Each demo role, as a new user would meet the Greek UI: from the login page to its main
task, with every page on the way checked for English UI words, raw values (enum values,
'None', Latin levels, seconds or ISO dates) and a title of its own.

With UPDATE_SCREENSHOTS=1 the main pages are saved to docs/screenshots/ (the README's
pictures); CI runs the same steps without writing them.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
# FAB's and our own English UI words, and values stored in English.
ENGLISH = re.compile(
    r"\b(Search|Add Filter|Record Count|No records found|Select a State|Cancel|Back|Save|Actions|Page size|"
    r"Login|Sign In|Sign in|Logout|Home|Edit|Show|Delete|List \w+|Yes|No|True|False|None|"
    r"User confirmation needed|Language|Profile|Select|Detail|"
    r"active|inactive|applicant|chair|independent|draft|final|submitted|enrolled|pending|positive|negative|"
    r"coordinator|technical_manager|CentreManager|HelpDesk|Committee|Evaluator|Grader)\b")
RAW_TIME = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b|\.\d{6}\b|\b\d{4}-\d{2}-\d{2}\b")
LATIN_LEVEL = re.compile(r"(Επίπεδο|ΕΑ)\W+[ABC]\b")


def check_page(page, seen_titles: set | None = None) -> str:
    """The page's visible text, after checking it is all Greek and formatted."""
    text = page.inner_text("body")
    # User names and e-mail addresses are what people typed: not UI text.
    cleaned = re.sub(r"[\w.+-]+@[\w.-]+|\b(admin|helpdesk|manager\d|committee|evaluator\d|grader)\b", " ", text)
    found = sorted(set(ENGLISH.findall(cleaned)))
    assert not found, f"{page.url}: English or raw values {found}"
    assert not RAW_TIME.search(cleaned), f"{page.url}: unformatted time {RAW_TIME.search(cleaned).group(0)}"
    assert not LATIN_LEVEL.search(cleaned), f"{page.url}: Latin level"
    title = page.title()
    assert " · " in title, f"{page.url}: page title {title!r} does not name the page"
    if seen_titles is not None:
        assert title not in seen_titles, f"{page.url}: title {title!r} repeats"
        seen_titles.add(title)
    return text


def shot(page, name: str) -> None:
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def sign_in(page, username: str) -> str:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/login/")
    login_text = check_page(page)
    assert "Είσοδος" in login_text and "Ανάκτηση κωδικών" in login_text  # the manual's words
    if username == "manager1":
        shot(page, "login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    return check_page(page)


def open_menu(page, label: str) -> None:
    """Through the menus, as a user would: the top entry, then the item."""
    link = page.locator("nav[aria-label] .navbar-nav a", has_text=label).first
    parent = link.locator("xpath=ancestor::li[contains(@class,'dropdown')][1]/a")
    if parent.count():
        parent.first.click()
    link.click()
    page.wait_for_load_state()


def test_centre_manager_from_login_to_the_open_call_and_staff(page):
    titles = set()
    home = sign_in(page, "manager1")
    assert "Υπεύθυνος ΚΣΕ" in home and "Αίθουσες / εργαστήρια" in home and "Προσκλήσεις και κλήρωση" in home
    shot(page, "home-manager")
    open_menu(page, "Επιλογή/Κατανομή συστάδων")
    text = check_page(page, titles)
    assert "συστάδ" in text
    shot(page, "expression-of-interest")
    open_menu(page, "Διαχείριση Αιθουσών")
    check_page(page, titles)
    page.locator("a[href*='/roomview/show/']").first.click()
    page.wait_for_load_state()
    check_page(page, titles)
    assert page.locator("#breadcrumbs a", has_text="Αρχική").count() == 1
    open_menu(page, "Διαχείριση Προσωπικού Συντονισμού")
    check_page(page, titles)


def test_help_desk_finds_a_centre_from_the_home_search(page):
    sign_in(page, "helpdesk")
    page.fill("#home-q", "KSE00002")
    page.press("#home-q", "Enter")
    page.wait_for_load_state()
    check_page(page)
    shot(page, "home-helpdesk")
    page.locator("#search-results a", has_text="KSE00002").first.click()
    page.wait_for_load_state()
    assert "KSE00002" in check_page(page)


def test_admin_from_home_to_the_calls_and_a_filtered_list(page):
    titles = set()
    home = sign_in(page, "admin")
    assert "Τελευταία κλήρωση" in home
    shot(page, "home-admin")
    open_menu(page, "Προσκλήσεις")
    check_page(page, titles)
    page.locator("a[href*='/callview/show/']").first.click()
    page.wait_for_load_state()
    check_page(page, titles)
    shot(page, "call")
    # A filtered list says so, and one click clears the filter.
    page.goto("/centreview/list/?_flt_0_code=KSE00001")
    text = check_page(page)
    assert "Ενεργά φίλτρα" in text and "KSE00002" not in text
    page.click("#clear-filters")
    page.wait_for_load_state()
    assert "KSE00002" in check_page(page)


@pytest.mark.parametrize("username", ["committee", "evaluator1", "grader"])
def test_registry_roles_reach_their_first_list_and_record(page, username):
    titles = set()
    sign_in(page, username)
    menu = page.locator("nav[aria-label] .navbar-nav a[href]:not([href='#']):not([href^='javascript'])")
    hrefs = [h for h in menu.evaluate_all("els => els.map(e => e.getAttribute('href'))") if "/list" in h]
    assert hrefs, f"{username} has no list in the menu"
    page.goto(hrefs[0])
    check_page(page, titles)
    show = page.locator("a[href*='/show/']")
    if show.count():
        show.first.click()
        page.wait_for_load_state()
        check_page(page, titles)


@pytest.mark.parametrize("shown", ["Κατάσταση: active", "Ημερομηνία: None", "Στις 24/11/2026 15:00:07",
                                   "Επίπεδο: A", "Record Count: 3", "2026-11-24"])
def test_the_page_check_catches_english_and_raw_values(page, shown):
    page.set_content(f"<html><head><title>Σελίδα · ΚΣΕ</title></head><body><p>{shown}</p></body></html>")
    with pytest.raises(AssertionError):
        check_page(page)


def test_admin_navbar_is_one_row_at_1280_px_and_keeps_every_menu(page, app):
    """Issue #12: the Admin's menu wrapped to three rows. At 1280×800 the bar is one row
    (every entry on the same line, the bar no taller than one entry), and no menu entry
    was dropped to get there: every item the Admin may open is still in the bar."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/login/")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    bar = page.evaluate("""() => {
        const tops = [...document.querySelectorAll('.navbar-brand, .navbar-nav > li > a')]
            .map(a => a.getBoundingClientRect());
        return {height: document.querySelector('nav.navbar').getBoundingClientRect().height,
                tops: tops.map(r => Math.round(r.top)), entry: Math.max(...tops.map(r => r.height))};
    }""")
    assert len(set(bar["tops"])) == 1, bar
    assert bar["height"] < 1.5 * bar["entry"], bar
    hrefs = set(page.eval_on_selector_all(".navbar-nav a[href]", "links => links.map(a => a.getAttribute('href'))"))
    with app.test_request_context():
        expected = {item.get_url() for top in app.appbuilder.menu.get_list() for item in (top.childs or [top])
                    if item.name != "-"}
    assert expected <= hrefs, sorted(expected - hrefs)
    # The system's menus are grouped, each under its heading.
    page.click("#system-menu > a")
    headings = page.locator("#system-menu .dropdown-header").all_inner_texts()
    assert {"Ασφάλεια", "Δεδομένα αναφοράς"} <= {h.strip() for h in headings}
    check_page(page)
