"""Lists at national scale (issue #13): few SQL statements per list page (permissions
read once per request), the Greek name search folded for accents and case on both
databases, exports streamed in the list's filters and order."""
from __future__ import annotations

import contextlib
import re

import pytest
from sqlalchemy import event, func, select


@contextlib.contextmanager
def statements(app):
    seen: list[str] = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("user, url", [("committee", "/evaluatorview/list/?_oc_EvaluatorView=ranking_score&_od_EvaluatorView=desc"),
                                       ("helpdesk", "/centreview/list/"), ("admin", "/evaluatorview/list/")])
def test_a_list_page_costs_at_most_ten_statements(app, login, user, url):
    client = login(user)
    client.get(url)  # warm: the login's own queries are not the list's
    with statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200
    assert len(seen) <= 10, "\n".join(seen)


def _filter_arg(app, view_name: str, column: str, filter_cls) -> str:
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == view_name)
    index = [type(f) for f in view._filters.get_search_filters()[column]].index(filter_cls)
    return f"_flt_{index}_{column}"


@pytest.mark.parametrize("typed", ["ΠΑΠΑΔΟΠΟΥΛΟΣ", "Παπαδόπουλος", "παπαδοπουλος", "παπαδοπ", "ΠΑΠΑΔΌ"])
def test_greek_surname_search_ignores_accents_and_case(app, login, typed):
    from app.search import FoldedContains, FoldedStartsWith
    from models.evaluators import Evaluator

    with app.app_context():
        session = app.appbuilder.session
        session.add_all([Evaluator(registry_no="EMA900001", first_name="Γιώργος", last_name="Παπαδόπουλος"),
                         Evaluator(registry_no="EMA900002", first_name="Ελένη", last_name="ΠΑΠΑΔΟΠΟΥΛΟΥ"),
                         Evaluator(registry_no="EMA900003", first_name="Νίκος", last_name="Καραπαπαδόπουλος")])
        session.commit()
        assert session.get(Evaluator, session.scalar(
            select(Evaluator.id).where(Evaluator.registry_no == "EMA900001"))).last_name_folded == "παπαδοπουλοσ"
        session.remove()
        starts = _filter_arg(app, "EvaluatorView", "last_name", FoldedStartsWith)
        contains = _filter_arg(app, "EvaluatorView", "last_name", FoldedContains)
    committee = login("committee")
    page = committee.get("/evaluatorview/list/", query_string={starts: typed, "psize_EvaluatorView": 100})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "EMA900001" in text and "EMA900003" not in text
    assert ("EMA900002" in text) == (len(typed) < 12)  # "…ΟΥ" also starts with a shorter prefix
    found = committee.get("/evaluatorview/list/", query_string={contains: typed[2:], "psize_EvaluatorView": 100})
    assert "EMA900003" in found.get_data(as_text=True)  # "contains" finds the name inside another
    export = committee.get("/evaluatorview/export/", query_string={starts: typed}).get_data(as_text=True)
    assert "EMA900001" in export and "EMA900003" not in export  # the export honours the filter


def test_demo_names_are_folded_for_search(app):
    from models.centres import Centre
    from models.evaluators import Evaluator

    with app.app_context():
        session = app.appbuilder.session
        assert session.scalar(select(func.count(Evaluator.id)).where(Evaluator.last_name_folded.is_(None))) == 0
        assert session.scalar(select(func.count(Centre.id)).where(Centre.name_folded.is_(None))) == 0
        centre = session.scalar(select(Centre).where(Centre.code == "KSE00001"))
        centre.name = "ΚΣΕ Άλφα Δοκιμή"
        session.commit()
        assert centre.name_folded == "κσε αλφα δοκιμη"  # kept in step on update
        session.remove()


def _exported_views(app):
    from views.base import BackofficeModelView

    return [v for v in app.appbuilder.baseviews if isinstance(v, BackofficeModelView) and "can_export" in v.base_permissions]


@pytest.mark.parametrize("view, query", [
    ("EvaluatorView", {"_oc_EvaluatorView": "ranking_score", "_od_EvaluatorView": "desc"}),
    ("CallView", {}), ("A2DocumentView", {}), ("RoomView", {"_oc_RoomView": "code"})])
def test_the_sql_export_gives_the_same_file_as_the_object_export(app, login, monkeypatch, view, query):
    """The values straight from SQL, formatted in Python (no ORM object per row), give
    byte for byte what the object path writes: same values, formats, formula guard,
    filters and order."""
    from app import csv_export
    import views.base

    admin = login("admin")
    base = next(v for v in app.appbuilder.baseviews if type(v).__name__ == view).route_base
    used: list = []
    monkeypatch.setattr(views.base, "sql_csv", lambda *args: None)  # not the database-written CSV
    monkeypatch.setattr(views.base, "sql_rows", lambda *args: used.append(csv_export.sql_rows(*args)) or used[-1])
    fast = admin.get(f"{base}/export/", query_string=query).get_data()
    monkeypatch.setattr(views.base, "sql_rows", lambda *args: None)  # the object path
    slow = admin.get(f"{base}/export/", query_string=query).get_data()
    assert len(used) == 1 and used[0] is not None  # the first export took the SQL path
    assert fast == slow and fast.count(b"\r\n") > 1


@pytest.mark.parametrize("user", ["admin", "helpdesk", "committee", "manager1", "evaluator1", "grader"])
def test_the_database_written_csv_is_the_same_file_for_every_view_and_role(app, login, monkeypatch, user):
    """The fast export (formatting in SQL; COPY on PostgreSQL, csv.writerows on SQLite)
    writes byte for byte the file of the Python paths, for every exported view and every
    role's rows, with a filter and a sort, in both languages' headers."""
    from app import csv_export
    import views.base

    from models.centres import Centre

    with app.app_context():  # a value of every awkward kind: formula, quote, comma, newline, empty
        session = app.appbuilder.session
        centre = session.scalar(select(Centre).where(Centre.code == "KSE00001"))
        centre.name, centre.address = '=cmd|"x"', 'Οδός "Α", 1\nΑθήνα\r\nΤ.Κ.'
        centre.legal_representative = ""
        session.commit()
        session.remove()
    client = login(user)
    taken: list = []
    compared = 0
    for view in _exported_views(app):
        name = type(view).__name__
        for query in ({}, {f"_oc_{name}": view.order_columns[0], f"_od_{name}": "desc"} if view.order_columns else {}):
            monkeypatch.setattr(views.base, "sql_csv", lambda *args: taken.append(csv_export.sql_csv(*args)) or taken[-1])
            fast = client.get(f"{view.route_base}/export/", query_string=query)
            if fast.status_code == 403:
                break
            fast_file = fast.get_data()  # read whole before the next request, as a server would
            monkeypatch.setattr(views.base, "sql_csv", lambda *args: None)
            current = client.get(f"{view.route_base}/export/", query_string=query)
            assert fast.status_code == current.status_code == 200, name
            current_file = current.get_data()
            if name == "AuditEntryView":  # each export audits itself: the two files differ by that row
                fast_file, current_file = (re.sub(rb"\r\n[^\r\n]*,action:export,[^\r\n]*", b"", f)
                                           for f in (fast_file, current_file))
            assert fast_file == current_file, (name, query)
            compared += 1
    assert compared
    # The grader's views show computed labels (no SQL form): they keep the Python path.
    assert any(t is not None for t in taken) == (user != "grader")


def test_the_sqlite_line_export_converts_instants_like_python_across_summer_time(app, login, monkeypatch):
    """SQLite has no time-zone rules: the one-line-per-row export computes Athens time with
    the EU rule (last Sundays of March and October, 01:00 UTC). At each change, a second
    either side, and in a year the rule was not checked for (then the Python conversion
    takes over), the file is byte for byte the Python path's."""
    import datetime as dt

    from app import csv_export
    import views.base
    from models.evaluators import Evaluator

    instants = [dt.datetime(2026, 3, 29, 0, 59, 59), dt.datetime(2026, 3, 29, 1, 0), dt.datetime(2026, 10, 25, 0, 59, 59),
                dt.datetime(2026, 10, 25, 1, 0), dt.datetime(2027, 3, 28, 1, 0), dt.datetime(2031, 10, 26, 0, 30),
                dt.datetime(2026, 12, 31, 22, 30), None]
    admin = login("admin")

    def export():
        taken: list = []
        monkeypatch.setattr(views.base, "sql_csv", lambda *args: taken.append(csv_export.sql_csv(*args)) or taken[-1])
        fast = admin.get("/evaluatorview/export/").get_data()
        monkeypatch.setattr(views.base, "sql_csv", lambda *args: None)
        slow = admin.get("/evaluatorview/export/").get_data()
        assert taken and taken[0] is not None
        return fast, slow

    with app.app_context():
        session = app.appbuilder.session
        evaluators = session.scalars(select(Evaluator).order_by(Evaluator.id)).all()
        assert len(evaluators) >= len(instants)
        for evaluator, instant in zip(evaluators, instants * len(evaluators), strict=False):
            evaluator.submitted_at = instant
        session.commit()
    fast, slow = export()
    assert fast == slow
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert csv_export._eu_rule_offsets("Europe/Athens") == (120, 180)
        for local in ("29/03/2026 02:59", "29/03/2026 04:00", "25/10/2026 03:59", "25/10/2026 03:00", "01/01/2027 00:30"):
            assert local.encode() in fast
    with app.app_context():  # outside the years checked: converted in Python, same file
        session = app.appbuilder.session
        session.scalars(select(Evaluator).order_by(Evaluator.id)).first().submitted_at = dt.datetime(1985, 7, 1, 12)
        session.commit()
    fast, slow = export()
    assert fast == slow and b"01/07/1985 15:00" in fast


@pytest.mark.parametrize("zone, expected", [("Europe/Athens", (120, 180)), ("Europe/Berlin", (60, 120)), ("Europe/Lisbon", None),
                                            ("America/New_York", None), ("UTC", None), ("Africa/Casablanca", None)])
def test_only_zones_that_follow_the_eu_rule_are_converted_in_sql(zone, expected):
    from app.csv_export import _eu_rule_offsets

    assert _eu_rule_offsets(zone) == expected
