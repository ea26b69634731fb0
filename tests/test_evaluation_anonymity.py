"""E-10: the independent assessor receives the reports anonymised. Every route their role
reaches (page, sort, filter, export, show, edit, API, other areas' views) is tried with
argument tricks, and no response may carry anything that names or points at an author."""
import pytest
from sqlalchemy import select

from models.evaluation import EvaluationCycle, Report, ReportMark
from models.users import AppUser


@pytest.fixture
def authors(db_session):
    """Everything that would identify the author of any sampled report."""
    reports = db_session.scalars(select(Report).where(Report.sampled.is_(True))).all()
    secrets = set()
    for r in reports:
        e = r.evaluator
        secrets |= {e.registry_no, e.last_name, e.first_name, e.afm, e.email, r.reference}
    return {s for s in secrets if s}


@pytest.fixture
def assessor(login):
    return login("assessor")


def own_mark_ids(db_session):
    assessor_id = db_session.scalar(select(AppUser.id).where(AppUser.username == "assessor"))
    return db_session.scalars(select(ReportMark.id).where(ReportMark.grader_id == assessor_id)).all()


LIST_TRICKS = [
    "", "?psize_ReportMarkingView=100", "?_oc_ReportMarkingView=code&_od_ReportMarkingView=desc",
    "?_oc_ReportMarkingView=report_id&_od_ReportMarkingView=asc",
    "?_oc_ReportMarkingView=cycle_id&_od_ReportMarkingView=asc", "?_oc_ReportMarkingView=id&_od_ReportMarkingView=asc",
    "?_oc_ReportMarkingView=cycle.chair&_od_ReportMarkingView=asc",
    "?_flt_0_report_id=1", "?_flt_0_evaluator=1", "?_flt_0_evaluator_id=1", "?_flt_0_report=1",
    "?_flt_0_code=A", "?_flt_1_code=A", "?_flt_0_cycle=1", "?_flt_0_grader=1",
]


@pytest.mark.parametrize("query", LIST_TRICKS)
def test_list_and_export_never_name_an_author(assessor, authors, query):
    for base in ("/reportmarkingview/list/", "/reportmarkingview/export/"):
        response = assessor.get(base + query)
        assert response.status_code in (200, 400), (base, query, response.status_code)
        body = response.get_data(as_text=True)
        leaked = [s for s in authors if s in body]
        assert leaked == [], (base, query, leaked)
        disposition = response.headers.get("Content-Disposition", "")
        assert not [s for s in authors if s in disposition]


def test_export_has_only_the_declared_columns(assessor, db_session):
    body = assessor.get("/reportmarkingview/export/").get_data(as_text=True).lstrip("\ufeff")
    header = body.splitlines()[0].split(",")
    assert len(header) == 7  # cycle, code, capacity and the four criteria
    codes = {m.code for m in db_session.scalars(select(ReportMark).where(ReportMark.id.in_(own_mark_ids(db_session))))}
    assert codes and all(code in body for code in codes)


def test_show_and_edit_pages_name_no_author(assessor, authors, db_session):
    for mark_id in own_mark_ids(db_session):
        for url in (f"/reportmarkingview/show/{mark_id}", f"/reportmarkingview/edit/{mark_id}"):
            response = assessor.get(url)
            assert response.status_code == 200
            body = response.get_data(as_text=True)
            assert [s for s in authors if s in body] == [], url


@pytest.mark.parametrize("url", [
    "/reportview/list/", "/reportview/export/", "/participationview/list/", "/reportmarkview/list/",
    "/evaluatorview/list/", "/evaluationcycleview/list/", "/leveldecisionview/list/", "/ranking-tables/",
    "/ranking-tables/export/",
    "/sheet/1", "/sheet/1/pdf", "/sheet/1/chart.png", "/api/v1/evaluator/", "/api/v1/reportmark/",
    "/api/v1/report/", "/attitudemarkingview/list/",
])
def test_no_other_route_reveals_an_author(assessor, authors, url):
    response = assessor.get(url)
    assert response.status_code in (200, 302, 401, 403, 404), (url, response.status_code)
    body = response.get_data(as_text=True) if response.mimetype.startswith(("text", "application/json")) else ""
    assert [s for s in authors if s in body] == [], url


def test_assignment_ids_do_not_group_reports_by_author(db_session):
    """Assignments are created in code order (random), so consecutive ids say nothing."""
    cycle = db_session.scalar(select(EvaluationCycle).where(EvaluationCycle.name == "2026-Α"))
    assessor_id = db_session.scalar(select(AppUser.id).where(AppUser.username == "assessor"))
    codes = db_session.scalars(select(ReportMark.code).where(ReportMark.cycle_id == cycle.id,
                                                             ReportMark.grader_id == assessor_id)
                               .order_by(ReportMark.id)).all()
    assert codes == sorted(codes)


@pytest.mark.parametrize("query", [q for q in LIST_TRICKS if q.startswith("?_flt_") and "code" not in q])
def test_undeclared_filters_are_ignored(assessor, query):
    """Filtering by an undeclared column (an author's id, the report) would let the
    assessor group codes by author: such arguments must change nothing."""
    plain = assessor.get("/reportmarkingview/export/").get_data()
    assert assessor.get("/reportmarkingview/export/" + query).get_data() == plain
