"""The shared CSV export: UTF-8 with BOM, RFC 4180, translated headers, the list's
filters/search/order and the user's rows only, formula injection neutralised."""
import csv
import io

import pytest

from app.csv_export import cell, neutralise
from models.centres import Centre


def parse(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8")), "UTF-8 BOM expected"
    text = raw.decode("utf-8")[1:]
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline="")))


def filter_index(app, view_name: str, column: str, filter_class: str) -> int:
    view = next(v for v in app.appbuilder.baseviews if v.__class__.__name__ == view_name)
    names = [f.__class__.__name__ for f in view._filters.get_search_filters()[column]]
    return names.index(filter_class)


def test_helpdesk_exports_every_centre_with_greek_headers(login, db_session):
    response = login("helpdesk").get("/centreview/export/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = parse(response)
    assert rows[0][:3] == ["Κωδικός ΚΣΕ", "Επωνυμία", "Νόμιμος εκπρόσωπος"]
    assert len(rows) - 1 == db_session.query(Centre).count()


def test_export_headers_follow_the_language(login):
    helpdesk = login("helpdesk")
    helpdesk.get("/lang/en")
    assert parse(helpdesk.get("/centreview/export/"))[0][:2] == ["Centre code", "Centre name"]


def test_export_honours_filters_and_ordering(app, login):
    helpdesk = login("helpdesk")
    equal = filter_index(app, "CentreView", "code", "FilterEqual")
    rows = parse(helpdesk.get(f"/centreview/export/?_flt_{equal}_code=KSE00003"))
    assert [r[0] for r in rows[1:]] == ["KSE00003"]
    starts = filter_index(app, "CentreView", "code", "FilterStartsWith")
    rows = parse(helpdesk.get(f"/centreview/export/?_flt_{starts}_code=KSE0000&_oc_CentreView=code&_od_CentreView=desc"))
    codes = [r[0] for r in rows[1:]]
    assert codes == sorted(codes, reverse=True) and len(codes) >= 6


def test_export_rejects_sorting_on_unlisted_columns(login):
    assert login("helpdesk").get("/centreview/export/?_oc_CentreView=phone&_od_CentreView=asc").status_code == 400


def test_export_needs_the_permission(login):
    assert login("evaluator1").get("/centreview/export/").status_code == 403
    assert login("grader").get("/auditentryview/export/").status_code == 403


def test_formula_injection_is_neutralised_and_quoting_is_rfc4180(login, db_session):
    centre = db_session.query(Centre).filter_by(code="KSE00003").one()
    centre.name = '=HYPERLINK("http://evil","κλικ")'
    centre.address = 'Οδός "Αθηνάς", 12\nΑθήνα'
    centre.legal_representative = "@SUM(A1)"
    db_session.commit()
    rows = parse(login("helpdesk").get("/centreview/export/"))
    row = next(r for r in rows if r[0] == "KSE00003")
    assert row[1] == '\'=HYPERLINK("http://evil","κλικ")'
    assert row[2] == "'@SUM(A1)"
    assert row[5] == 'Οδός "Αθηνάς", 12\nΑθήνα'  # quotes doubled, comma and newline kept inside quotes


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+30 210", "'+30 210"), ("-x", "'-x"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Αθήνα", "Αθήνα"), ("", ""), (-5, "-5"), (None, ""), (True, "Ναι"),
])
def test_cell_values(app, value, expected):
    with app.test_request_context():
        assert cell(value) == expected


def test_neutralise_leaves_plain_text():
    assert neutralise("ΚΣΕ 1") == "ΚΣΕ 1"


def test_export_streams(login):
    response = login("helpdesk").get("/evaluatorview/export/")
    assert response.is_streamed


# --- values as people read them: labels, Α/Β/Γ, Athens times (the whole team's standard) ---
def _exported_views(app):
    from views.base import BackofficeModelView

    return [v for v in app.appbuilder.baseviews if isinstance(v, BackofficeModelView) and "can_export" in v.base_permissions]


def _three_paths(client, url, monkeypatch):
    """The file from each export path: SQL-written (COPY / writerows), SQL rows formatted
    in Python, ORM objects through cell()."""
    import views.base

    files = [client.get(url).get_data()]
    monkeypatch.setattr(views.base, "sql_csv", lambda *args: None)
    files.append(client.get(url).get_data())
    monkeypatch.setattr(views.base, "sql_rows", lambda *args: None)
    files.append(client.get(url).get_data())
    monkeypatch.undo()
    return files


@pytest.mark.parametrize("language, status", [("el", "Ενταγμένος"), ("en", "Enrolled")])
def test_helpdesk_evaluator_csv_has_status_labels_greek_levels_and_athens_times(
        app, login, db_session, monkeypatch, language, status):
    import datetime as dt

    from models.evaluators import Evaluator, EvaluatorStatus, PerformanceLevel

    evaluator = db_session.query(Evaluator).filter_by(status=EvaluatorStatus.enrolled).order_by(Evaluator.id).first()
    evaluator.level = PerformanceLevel.C
    evaluator.submitted_at = dt.datetime(2026, 7, 1, 21, 30)  # naive UTC: 00:30 of the next day in Athens (EEST)
    db_session.commit()
    helpdesk = login("helpdesk")
    helpdesk.get(f"/lang/{language}")
    files = _three_paths(helpdesk, "/evaluatorview/export/", monkeypatch)
    assert files[0] == files[1] == files[2]
    rows = parse_bytes(files[0])
    header, row = rows[0], next(r for r in rows if r[0] == evaluator.registry_no)
    cells = dict(zip(header, row, strict=True))
    assert status in row and "enrolled" not in row
    assert "Γ" in row and "C" not in row  # Greek capital gamma, not Latin C
    assert "02/07/2026 00:30" in row and not any(c.startswith("2026-07-01") for c in row)
    levels = {r[header.index(next(h for h, v in cells.items() if v == "Γ"))] for r in rows[1:]}
    assert levels <= {"Α", "Β", "Γ"} and "Α" in levels


def parse_bytes(raw: bytes):
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_empty_values_are_empty_cells_and_numbers_keep_the_point(app, login, db_session):
    """An empty cell, never «—» (a dash breaks sums and re-imports); 12.50, not 12,50."""
    rows = parse_bytes(login("helpdesk").get("/evaluatorview/export/").get_data())
    body = [c for r in rows[1:] for c in r]
    assert "" in body and "—" not in body
    score = rows[0].index(next(h for h in rows[0] if "ΒΚ" in h or "κατάταξης" in h.lower()))
    assert all(r[score] == "" or float(r[score]) >= 0 for r in rows[1:])
    assert not any("," in r[score] for r in rows[1:])


def _raw_enum_values(app) -> set[str]:
    """Every stored value and member name of every enum of a model column, less those
    that are also a label people read (e.g. a value spelt like its own label)."""
    from flask_appbuilder import Model
    from sqlalchemy import Enum

    from app.formatting import enum_label

    raw: set[str] = set()
    with app.test_request_context():
        for mapper in Model.registry.mappers:
            for column in mapper.columns:
                enum_class = getattr(column.type, "enum_class", None) if isinstance(column.type, Enum) else None
                for member in enum_class or ():
                    raw |= {str(member.value), member.name}
        labels = set()
        for mapper in Model.registry.mappers:
            for column in mapper.columns:
                if isinstance(column.type, Enum) and column.type.enum_class is not None:
                    labels |= {enum_label(m) for m in column.type.enum_class}
    return raw - labels


@pytest.mark.parametrize("user", ["admin", "helpdesk", "committee", "manager1", "evaluator1", "grader"])
def test_no_exported_cell_is_a_raw_enum_value(app, login, user):
    """Every exported list of every role, on the demo data: no cell is an enum's stored
    value. A whole cell is compared (text that merely contains a word does not count), and
    a plain text column's own values are data, not labels (a region's code is "A")."""
    from sqlalchemy import Enum, String

    from app.csv_export import _column

    raw = _raw_enum_values(app)
    assert {"enrolled", "chair", "A", "C"} <= raw  # the scan looks for what it should
    client = login(user)
    scanned = 0
    for view in _exported_views(app):
        response = client.get(f"{view.route_base}/export/")
        if response.status_code == 403:
            continue
        assert response.status_code == 200, type(view).__name__
        columns = [_column(view.datamodel.obj, c) for c in (view.export_columns or view.list_columns)]
        text = [c is not None and isinstance(c.type, String) and not isinstance(c.type, Enum) for c in columns]
        for row in parse_bytes(response.get_data())[1:]:
            found = [c for c, plain in zip(row, text, strict=True) if c in raw and not plain]
            assert not found, (type(view).__name__, found, row)
            scanned += 1
    assert scanned or user in ("evaluator1", "grader")
