"""Row restrictions (app.access) on list, show, edit, export, actions and related-field
choices: a user reaches only their own centre / evaluator file / assignments,
whatever ids they type or post."""
import re

from models.evaluation import ReportMark
from models.evaluators import Evaluator


def ids_in(html: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, html))


def test_manager_lists_shows_and_exports_only_their_centre(login):
    manager = login("manager1")
    assert ids_in(manager.get("/centreview/list/").get_data(as_text=True), r"KSE\d{5}") == {"KSE00001"}
    assert manager.get("/centreview/show/1").status_code == 200
    assert manager.get("/centreview/show/2").status_code == 404
    rows = manager.get("/centreview/export/").get_data(as_text=True).strip().splitlines()
    assert len(rows) == 2 and "KSE00001" in rows[1]
    # a filter that names the other centre finds nothing rather than leaking it
    rows = manager.get("/centreview/export/?_flt_3_code=KSE00002").get_data(as_text=True).strip().splitlines()
    assert len(rows) == 1


def test_evaluator_sees_only_their_own_registry_file(login, db_session):
    evaluator = login("evaluator1")
    own = db_session.query(Evaluator).filter_by(registry_no="EMA000001").one()
    other = db_session.query(Evaluator).filter_by(registry_no="EMA000002").one()
    assert ids_in(evaluator.get("/evaluatorview/list/").get_data(as_text=True), r"EMA\d{6}") == {"EMA000001"}
    assert evaluator.get(f"/evaluatorview/show/{own.id}").status_code == 200
    assert evaluator.get(f"/evaluatorview/show/{other.id}").status_code == 404
    # Their own file is theirs to fill in (evaluators area, form I.2); another's is not found.
    assert evaluator.get(f"/evaluatorview/edit/{own.id}").status_code == 200
    assert evaluator.get(f"/evaluatorview/edit/{other.id}").status_code == 404


def _marks(session, username):
    from models.users import AppUser

    user_id = session.query(AppUser.id).filter_by(username=username).scalar()
    return session.query(ReportMark).filter_by(grader_id=user_id).order_by(ReportMark.id).all()


def test_grader_sees_only_assignments_and_never_the_evaluator(login, db_session, app):
    """E-10: reports reach graders anonymised (the author coded)."""
    grader = login("grader")
    own, foreign = _marks(db_session, "grader"), _marks(db_session, "assessor")
    html = grader.get("/reportmarkingview/list/?psize_ReportMarkingView=100").get_data(as_text=True)
    assert all(f"/reportmarkingview/show/{m.id}\"" in html for m in own)
    assert not any(f"/reportmarkingview/show/{m.id}\"" in html for m in foreign)
    assert "EMA0000" not in html
    export = grader.get("/reportmarkingview/export/").get_data(as_text=True)
    assert "EMA0000" not in export and len(export.strip().splitlines()) == len(own) + 1
    assert grader.get(f"/reportmarkingview/show/{foreign[0].id}").status_code == 404
    assert grader.get(f"/reportmarkingview/edit/{foreign[0].id}").status_code == 404


def test_grader_cannot_act_on_or_edit_someone_elses_assignment(login, db_session):
    grader = login("grader")
    own = next(m for m in _marks(db_session, "grader") if m.commentary is None)
    page = "/reportmarkingview/list/"
    # an unknown action name is a 404, not a 500, whatever the row
    assert grader.post_form(f"/reportmarkingview/action/drop_tables/{own.id}", page=page).status_code == 404
    assert grader.post_form("/reportmarkingview/action_post", {"action": "drop_tables", "rowid": [own.id]},
                            page=page).status_code == 404
    # forged fields on edit: only the marks are editable, the assignment does not move
    edit = f"/reportmarkingview/edit/{own.id}"
    before = (own.grader_id, own.report_id, own.cycle_id, own.code, own.capacity)
    response = grader.post_form(edit, {"commentary": "80", "clarity": "70", "consistency": "90", "usefulness": "60",
                                       "grader": "1", "grader_id": "1", "report_id": "1", "cycle": "1", "code": "X",
                                       "capacity": "independent"}, page=page)
    assert response.status_code == 302
    db_session.expire_all()
    own = db_session.get(ReportMark, own.id)
    assert own.commentary == 80 and (own.grader_id, own.report_id, own.cycle_id, own.code, own.capacity) == before


def test_grade_marks_are_validated_and_final_once_the_cycle_closed(login, db_session):
    """E-10: every criterion is on 1–100; a closed cycle's marks do not change."""
    grader = login("grader")
    own = next(m for m in _marks(db_session, "grader") if m.commentary is None)
    edit = f"/reportmarkingview/edit/{own.id}"
    response = grader.post_form(edit, {"commentary": "101", "clarity": "0", "consistency": "50", "usefulness": "50"},
                                page="/reportmarkingview/list/")
    assert response.status_code == 200  # the form again, with errors
    db_session.expire_all()
    assert db_session.get(ReportMark, own.id).commentary is None
    closed = next(m for m in _marks(db_session, "grader") if m.cycle.name == "2025-Α")
    kept = closed.commentary
    response = grader.post_form(f"/reportmarkingview/edit/{closed.id}",
                                {"commentary": "1", "clarity": "1", "consistency": "1", "usefulness": "1"},
                                page="/reportmarkingview/list/", follow_redirects=True)
    assert "έχει κλείσει" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(ReportMark, closed.id).commentary == kept


def test_forged_foreign_keys_are_refused_by_check_writable(app, db_session):
    """check_writable refuses a row pointing at another centre's record, whatever id
    was posted, and forces a centre manager's own centre."""
    import pytest
    from werkzeug.exceptions import Forbidden

    from app import access
    from models.centres import Centre
    from models.users import AppUser

    manager = db_session.query(AppUser).filter_by(username="manager1").one()
    other_centre = db_session.query(Centre).filter_by(code="KSE00002").one()
    own_centre = db_session.query(Centre).filter_by(code="KSE00001").one()
    assert access.is_visible(own_centre, db_session, manager)
    assert not access.is_visible(other_centre, db_session, manager)
    # A user row pointing at another centre, written by a centre manager: refused.
    forged = AppUser(username="x", first_name="x", last_name="x", email="x@example.gr", centre=other_centre)
    with app.test_request_context(), pytest.raises(Forbidden):
        access.check_writable(forged, db_session, manager)


def test_helpdesk_reads_everything_and_changes_nothing(login, db_session):
    """K-11."""
    helpdesk = login("helpdesk")
    html = helpdesk.get("/centreview/list/").get_data(as_text=True)
    assert {"KSE00001", "KSE00002"} <= ids_in(html, r"KSE\d{5}")
    assert helpdesk.get("/centreview/edit/1").status_code == 403
    assert helpdesk.post_form("/centreview/delete/1", page="/centreview/list/").status_code == 403
    assert helpdesk.post_form("/leveldecisionview/action_post", {"action": "confirm_levels", "rowid": ["1"]},
                              page="/centreview/list/").status_code == 403
