"""Role home pages (app.home): each role lands on what it must do next; the help desk's
search; formatting of values people see (app.formatting)."""
import re

import pytest

ROLES = ["admin", "helpdesk", "manager1", "committee", "evaluator1", "grader"]


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("username", ROLES)
def test_home_page_answers_for_every_role_in_greek_with_its_own_title(login, username):
    page = login(username).get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="el">' in html
    assert "<title>Αρχική · " in html
    body = text_of(html)
    assert "Καλώς ήρθατε" in body
    assert "CentreManager" not in body and "None" not in body


def test_manager_home_shows_the_centre_state(login):
    body = text_of(login("manager1").get("/").get_data(as_text=True))
    assert "Υπεύθυνος ΚΣΕ" in body  # the role as the manual names it
    for heading in ("Αίθουσες / εργαστήρια", "Προσωπικό", "Προσκλήσεις και κλήρωση"):
        assert heading in body
    assert re.search(r"Πιστοποιημένες αίθουσες: \d+ από \d+", body)


def test_admin_home_shows_system_state(login):
    body = text_of(login("admin").get("/").get_data(as_text=True))
    assert "Τελευταία κλήρωση" in body and "Αρχείο" in body or "Μεταβολές που καταγράφηκαν" in body


def test_helpdesk_searches_centres_people_and_codes(login):
    client = login("helpdesk")
    body = text_of(client.get("/?q=KSE00002").get_data(as_text=True))
    assert "Αποτελέσματα για «KSE00002»" in body
    assert "KSE00002" in body and "KSE00001 " not in body
    body = text_of(client.get("/?q=manager1").get_data(as_text=True))
    assert "Χρήστες" in body and "manager1" in body


def test_search_is_not_offered_to_a_centre_manager(login):
    html = login("manager1").get("/?q=KSE00002").get_data(as_text=True)
    assert 'id="home-q"' not in html and "KSE00002" not in text_of(html)


def test_greek_messages_carry_no_rule_ids():
    """Rule ids (K-6, E-7) are for the code and the tests, not for the people reading a
    message."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parent.parent / "translations" / "el" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    strings = [s for m in catalogue if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,))]
    assert len(strings) > 300
    assert [s for s in strings if re.search(r"\b[KE]-\d+\b", s)] == []


def test_wall_clock_times_are_shown_as_typed(app, login):
    """A call opens at the local time the Admin typed: the list shows that time, not the
    same digits shifted as if they were UTC (timestamps are the ones converted)."""
    from app.formatting import DATETIME_FORMAT
    from models.calls import Call

    with app.app_context():
        call = app.appbuilder.session.query(Call).filter_by(code="B2-DEMO-OPEN").one()
        typed = call.opens_at.strftime(DATETIME_FORMAT)
        app.appbuilder.session.remove()
    page = login("admin").get("/callview/list/").get_data(as_text=True)
    assert typed in page
