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
