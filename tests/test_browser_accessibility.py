"""WCAG 2.1 AA (ν. 4591/2019, EU 2016/2102): axe-core in a real browser over every page
each demo role reaches, with zero critical and zero serious violations.

The pages are found by crawling, not listed: from the home page, every link of the menus
and of each page reached, one URL per path shape (digits and codes collapsed), so the
first show/edit page of each list, the add forms and the custom pages of every area are
audited – including pages added later by other areas. Downloads, exports, PDFs, logout,
the language switch and anything that changes state by GET are not followed.

Speed (the crawl only reads): one app and one HTTP server for the module, one browser for
the session, one browser context per role signed in once, and axe run with the WCAG 2.1
A/AA rules only. Pages of one template are audited once per role through their path shape
(above); across roles the same path renders another menu and other buttons, so it is audited
again.
"""
from __future__ import annotations

import json
import re
from importlib import resources
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ROLES = ["admin", "helpdesk", "manager1", "committee", "evaluator1", "grader"]
MAX_PAGES = 400  # per role: a guard against a crawl that never ends (the Admin reaches 183 today)
BLOCKING = ("critical", "serious")
SKIP = re.compile(r"/(logout|lang|export|download|delete|action|action_post|bundle|verifier|pdf|csv|file|api|swagger"
                  r"|form-i1|form-i2|personal-data|agenda_pdf|minutes_pdf)(/|$)"
                  r"|\.(csv|pdf|json|py|zip)$|/static/")
AXE_SOURCE = (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.1 level A and AA (the law's level); axe's best-practice rules are left out.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}


def shape(path: str) -> str:
    """One visit per path shape: /centreview/show/12 and /centreview/show/13 are one page."""
    return "/".join("*" if re.search(r"\d", seg) else seg for seg in path.split("/"))


def crawl_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != base or SKIP.search(parts.path):
            continue
        # Sorting, paging and filter links show the same page: the bare path is enough.
        found.append(parts.path)
    return found


def audit(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def crawl_and_audit(page, base: str) -> tuple[list[str], dict[str, list]]:
    queue, seen_shapes, visited, problems = ["/"], set(), [], {}
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        if shape(path) in seen_shapes:
            continue
        seen_shapes.add(shape(path))
        try:
            response = page.goto(path)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                continue  # a file (PDF, CSV, ZIP), not a page: no accessibility tree to audit
            raise
        if response is not None and response.status >= 500:
            problems[path] = [{"rule": "server-error", "impact": "critical", "help": str(response.status)}]
            continue
        if response is None or response.status >= 400 or urlsplit(page.url).path.startswith("/login"):
            continue
        visited.append(path)
        found = audit(page)
        if found:
            problems[path] = [
                {"rule": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in found
            ]
        queue.extend(p for p in crawl_links(page, base) if shape(p) not in seen_shapes)
    return visited, problems


@pytest.fixture(scope="module")
def server(shared_app):
    """One app (the crawl changes nothing) served once for every role."""
    from tests.conftest import serving

    with serving(shared_app) as url:
        yield url


@pytest.fixture
def role_page(browser, server):
    """A fresh context (cookies) per role on the session's browser."""
    context = browser.new_context(base_url=server, locale="el-GR", accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    assert not urlsplit(page.url).path.startswith("/login"), f"{username} could not sign in"


@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_the_role_has_no_critical_or_serious_violation(role_page, server, username):
    sign_in(role_page, username)
    visited, problems = crawl_and_audit(role_page, server)
    assert len(visited) < MAX_PAGES, "the crawl stopped at the guard: raise MAX_PAGES"
    print(f"{username}: {len(visited)} pages audited")
    # The crawl must have reached the role's area, not just the home page.
    assert len(visited) >= 3, visited
    assert not problems, f"{username}: {len(problems)} of {len(visited)} pages fail:\n" + json.dumps(
        problems, ensure_ascii=False, indent=1)


def test_login_page_has_no_critical_or_serious_violation(role_page):
    role_page.goto("/login/")
    assert audit(role_page) == []
