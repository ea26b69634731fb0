"""Nominal tables (E-14) and the individual sheet (E-15): who sees what, PDFs read back,
the CSV carries what is needed to recompute the order."""
import csv
import io
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from app import evaluation as service
from app.rules import evaluation as rules
from models.evaluators import Evaluator
from models.users import AppUser
from tests.evaluators_helpers import report_via_job


def evaluator_id(session, number):
    return session.scalar(select(Evaluator.id).where(Evaluator.registry_no == number))


def test_an_evaluator_sees_only_their_own_sheet(login, db_session):
    me, other = evaluator_id(db_session, "EMA000001"), evaluator_id(db_session, "EMA000002")
    client = login("evaluator1")
    own = client.get("/sheet/")
    assert own.status_code == 200 and "EMA000001" in own.get_data(as_text=True)
    assert "2025-Α" in own.get_data(as_text=True)
    for url in (f"/sheet/{other}", f"/sheet/{other}/pdf", f"/sheet/{other}/chart.png"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/sheet/{me}/chart.png").mimetype == "image/png"
    assert client.get("/ranking-tables/").status_code == 403
    assert login("grader").get(f"/sheet/{me}").status_code == 403


def test_sheet_pdf_has_the_cycles_the_chart_and_no_one_else(login, db_session):
    response = login("committee").get(f"/sheet/{evaluator_id(db_session, 'EMA000001')}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "EMA000001" in text and "2025-Α" in text and "Ατομικό" in text
    images = [img for page in reader.pages for img in page.images]
    assert images, "the chart is embedded as an image"
    others = db_session.scalars(select(Evaluator).where(Evaluator.registry_no != "EMA000001")).all()
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert not [e.registry_no for e in others if e.registry_no in metadata + text]
    assert not [e.last_name for e in others if e.last_name in metadata]


def test_chart_series_follow_the_closed_cycles(db_session):
    e = db_session.get(Evaluator, evaluator_id(db_session, "EMA000001"))
    sheet = service.sheet(db_session, e)
    assert [name for name, _ in sheet.chart_points] == ["2025-Α"]
    assert sheet.rank is not None and sheet.history


def test_nominal_csv_lets_anyone_recompute_the_order(login):
    response = login("helpdesk").get("/ranking-tables/export/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(header) == 10 and body
    ab = [r for r in body if r[0] == body[0][0]]
    for r in body:
        bas = [Decimal(part.split("=")[1]) for part in r[8].split()]
        assert Decimal(r[9]) == rules.ranking_score(Decimal(r[7]), bas), r  # ΒΚ from ΒΕ and the ΒΑ alone
        assert r[5] in ("Α", "Β", "Γ")
    scores = [Decimal(r[9]) for r in ab]
    assert scores == sorted(scores, reverse=True)
    assert [int(r[1]) for r in ab] == sorted(int(r[1]) for r in ab)


def test_nominal_tables_keep_c_and_inactive_apart(login, db_session):
    tables = service.nominal_tables(db_session)
    assert all(r.evaluator.level.value != "C" for r in tables.levels_ab)
    assert all(r.evaluator.status.value == "inactive" for r in tables.inactive) and tables.inactive
    _job, _page, pdf = report_via_job(login("committee"), "/ranking-tables/pdf/", page="/ranking-tables/")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Γ" in text and tables.absolute[0].evaluator.registry_no in text


def test_home_summary(db_session):
    grader = db_session.scalar(select(AppUser).where(AppUser.username == "grader"))
    items = service.home_summary(db_session, grader)
    assert [i["count"] for i in items] == [1, 1]  # one report, one axis-i line left in the demo
    evaluator = db_session.scalar(select(AppUser).where(AppUser.username == "evaluator1"))
    (item,) = service.home_summary(db_session, evaluator)
    assert "2025-Α" in str(item["text"])


def test_sheet_shows_the_qualifications_and_experience_that_count(login, db_session):
    """E-15: formal qualifications and experience from the registry file; a row the
    committee did not confirm is left out, a re-coded one shows the committee's value."""
    import datetime as dt

    from models.evaluators import (DegreeKind, EvaluatorDegree, EvaluatorProfessionalExperience, Verification)

    me = evaluator_id(db_session, "EMA000001")
    db_session.add_all([
        EvaluatorDegree(evaluator_id=me, institution="ΕΚΠΑ", country="Ελλάδα", kind=DegreeKind.aei,
                        title="Πτυχίο Μαθηματικών", awarded_on=dt.date(2001, 7, 1),
                        verification=Verification.confirmed),
        EvaluatorDegree(evaluator_id=me, institution="Άλλο", country="Ελλάδα", kind=DegreeKind.aei,
                        title="Αδικαιολόγητο πτυχίο", awarded_on=dt.date(2003, 7, 1),
                        verification=Verification.not_confirmed),
        EvaluatorProfessionalExperience(evaluator_id=me, employer="ΟΑΕΔ", role="Σύμβουλος",
                                        start_month=dt.date(2010, 1, 1), end_month=dt.date(2012, 12, 1),
                                        person_months=Decimal("36.0"), recoded_person_months=Decimal("30.0"),
                                        verification=Verification.recoded),
    ])
    db_session.commit()
    page = login("evaluator1").get("/sheet/").get_data(as_text=True)
    assert "Πτυχίο Μαθηματικών" in page and "ΟΑΕΔ" in page and "30.0" in page
    assert "Αδικαιολόγητο" not in page
    pdf = login("committee").get(f"/sheet/{me}/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Πτυχίο Μαθηματικών" in text and "Αδικαιολόγητο" not in text


def test_level_tables_are_editable_and_show_greek_letters(login, db_session):
    """E-12: Annex IV is missing, so the committee edits the tables; levels read Α/Β/Γ."""
    from models.evaluation import LevelThreshold, PointBand

    committee = login("committee")
    form = committee.get("/levelthresholdview/add").get_data(as_text=True)
    assert ">Γ</option>" in form and ">C</option>" not in form
    assert ">Β<" in committee.get("/levelthresholdview/list/").get_data(as_text=True)
    band = db_session.scalar(select(PointBand).where(PointBand.points == 1))
    response = committee.post_form(f"/pointbandview/edit/{band.id}", {"lowest_score": "75", "points": "1"},
                                   page="/pointbandview/list/")
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(PointBand, band.id).lowest_score == Decimal("75")
    assert service.point_bands(db_session) and len(db_session.scalars(select(LevelThreshold)).all()) == 2
