"""List pages at scale (issue #13, app.listing): the count by key and the deep pages read
by key give exactly FAB's rows – every page, every sort, with filters and row scope."""
from __future__ import annotations

import re

import pytest
from flask import g
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import event, func, select

COUNT = re.compile(r"</strong>\s*(\d+)\s*</div>")
ORDERS = [("ranking_score", "desc"), ("ranking_score", "asc"), ("last_name", "asc"), ("entry_score", "desc"),
          ("registry_no", "asc")]


def _view(app, name="EvaluatorView"):
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == name)


def _user(app, username):
    return app.appbuilder.sm.find_user(username=username)


def _every_page(datamodel, filters, order, size):
    count, rows = datamodel.query(filters, *order, page=0, page_size=size)
    pages = [[r.id for r in rows]]
    for page in range(1, count // size + 2):  # one past the end: empty, as in FAB
        pages.append([r.id for r in datamodel.query(filters, *order, page=page, page_size=size)[1]])
    return count, pages


@pytest.mark.parametrize("username", ["admin", "committee", "helpdesk", "evaluator1", "manager1"])
def test_every_page_and_count_is_fabs(app, username):
    """Our interface against FAB's own on the same filters (row scope and a search filter),
    for every page of several sorts, including the empty ΒΚ of files not yet scored."""
    from app.listing import ListInterface
    from models.evaluators import Evaluator

    view = _view(app)
    assert isinstance(view.datamodel, ListInterface)
    fab = SQLAInterface(Evaluator)
    with app.test_request_context():
        session = app.appbuilder.session
        g.user = _user(app, username)
        assert session.scalar(select(func.count()).where(Evaluator.ranking_score.is_(None))), "no empty ΒΚ to sort"
        searched = view.datamodel.get_filters(view.search_columns).add_filter("status", FilterEqual, "enrolled")
        for filters in (view._filters.get_joined_filters(view._base_filters),
                        searched.get_joined_filters(view._base_filters)):
            for order in ORDERS:
                for size in (1, 5):
                    ours, theirs = _every_page(view.datamodel, filters, order, size), _every_page(fab, filters, order, size)
                    assert ours == theirs, (username, order, size)
        session.remove()


@pytest.mark.parametrize("username, scoped", [("committee", False), ("evaluator1", True)])
def test_the_record_count_honours_filters_and_row_scope(app, login, username, scoped):
    from models.evaluators import Evaluator, EvaluatorStatus

    with app.app_context():
        session = app.appbuilder.session
        everyone = session.scalar(select(func.count(Evaluator.id)))
        enrolled = session.scalar(select(func.count(Evaluator.id)).where(Evaluator.status == EvaluatorStatus.enrolled))
        own_status = session.scalar(select(Evaluator.status).where(
            Evaluator.id == _user(app, "evaluator1").evaluator_id))
        index = [type(f) for f in _view(app)._filters.get_search_filters()["status"]].index(FilterEqual)
        session.remove()
    assert 1 < enrolled < everyone
    client = login(username)

    def count(**query):
        page = client.get("/evaluatorview/list/", query_string=query)
        assert page.status_code == 200
        return int(COUNT.search(page.get_data(as_text=True)).group(1))

    assert count() == (1 if scoped else everyone)
    expected = (1 if own_status is EvaluatorStatus.enrolled else 0) if scoped else enrolled
    assert count(**{f"_flt_{index}_status": "enrolled"}) == expected


def test_a_deep_page_reads_its_rows_by_key_in_one_statement(app, login):
    """Page 3 of the ΒΚ list (2 per page): the OFFSET runs over the keys only and the rows
    come by key in the same statement; the page shows FAB's rows 5–6 of that order."""
    from models.evaluators import Evaluator

    with app.app_context():
        session = app.appbuilder.session
        expected = session.scalars(select(Evaluator.id).order_by(
            Evaluator.ranking_score.desc(), Evaluator.id.desc())).all()
        session.remove()
        engine = app.extensions["sqlalchemy"].engine
    client = login("committee")
    url = "/evaluatorview/list/?_oc_EvaluatorView=ranking_score&_od_EvaluatorView=desc&psize_EvaluatorView=2"
    client.get(url)
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        page = client.get(url + "&page_EvaluatorView=2").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    rows = [s for s in seen if "FROM evaluator" in s and "OFFSET" in s]
    assert len(rows) == 1 and re.search(r"evaluator\.id IN \(SELECT evaluator\.id\s+FROM evaluator", rows[0]), seen
    # The rows' own links name them, whatever they show (a draft has no registry number).
    shown = [int(pk) for pk in dict.fromkeys(re.findall(r"/evaluatorview/show/(\d+)", page))]
    assert len(expected) >= 6 and shown == expected[4:6]


def test_related_choices_are_every_permitted_row_in_one_statement(app):
    from app.listing import ListInterface
    from models.evaluators import Evaluator
    from models.reference import Region

    with app.test_request_context():
        session = app.appbuilder.session
        g.user = _user(app, "committee")
        regions = ListInterface(Evaluator).get_related_interface("region")
        count, rows = regions.query()
        assert count == len(rows) == session.scalar(select(func.count(Region.id))) > 0
        session.remove()
