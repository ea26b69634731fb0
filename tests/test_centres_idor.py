"""A centre manager never reads, changes, downloads, acts on or exports another centre's
rooms, workstations, staff, minutes, submissions or users, whatever ids or form values
they post (K-1, K-2, K-3, ../shared/fab-notes.md "Access control gaps").

Every endpoint of the area's views is tried with manager2's ids by manager1;
`test_every_endpoint_of_the_area_is_covered` fails when a new endpoint is not.
"""
import io

import pytest
from sqlalchemy import select, text

from app.rules.identifiers import make_afm
from models.centres import StaffMember, TeacherCouncilMinutes, Workstation
from models.users import AppUser
from tests.centres_support import other, own, pdf_bytes, period, staff_form, submissions

AREA_VIEWS = ("CentreView", "RoomView", "WorkstationView", "CoordinatorView", "TechnicalManagerView", "MinutesView",
              "StaffSubmissionView", "StaffFinalSubmissionView", "TrainingPeriodView")
FINGERPRINT_SQL = {
    "room": "SELECT * FROM room WHERE centre_id = :c ORDER BY id",
    "workstation": "SELECT w.* FROM workstation w JOIN room r ON r.id = w.room_id WHERE r.centre_id = :c ORDER BY w.id",
    "staff_member": "SELECT * FROM staff_member WHERE centre_id = :c ORDER BY id",
    "teacher_council_minutes": "SELECT * FROM teacher_council_minutes WHERE centre_id = :c ORDER BY id",
    "staff_submission": "SELECT * FROM staff_submission WHERE centre_id = :c ORDER BY id",
    "centre": "SELECT * FROM centre WHERE id = :c",
    "users": "SELECT id, username, password, email, centre_id, active FROM ab_user WHERE centre_id = :c",
}


def fingerprint(session, centre_id):
    session.expire_all()
    return {name: [tuple(row) for row in session.execute(text(sql), {"c": centre_id})]
            for name, sql in FINGERPRINT_SQL.items()}


@pytest.fixture
def victim(login, db_session):
    """manager2's centre with minutes and a final staff submission, so every kind of
    row exists to be attacked."""
    theirs = other(db_session)
    manager2 = login("manager2")
    p = period(db_session)
    manager2.post_form("/minutes/upload/", {"training_period": p.id, "file": (io.BytesIO(pdf_bytes(pages=4)), "Ξένο.pdf")},
                       page="/minutes/list/", content_type="multipart/form-data")
    manager2.post_form("/staff-submission/confirm/", {"member": theirs.coordinators + theirs.technical_managers},
                       page="/staff-submission/list/")
    manager2.post_form("/staff-submission/submit/", page="/staff-submission/list/")
    minutes = db_session.scalars(select(TeacherCouncilMinutes).where(
        TeacherCouncilMinutes.centre_id == theirs.centre_id)).one()
    (submission,) = submissions(db_session, theirs.centre_id)
    user = db_session.scalars(select(AppUser).where(AppUser.username == "manager2")).one()
    afms = [db_session.get(StaffMember, i).afm for i in theirs.coordinators + theirs.technical_managers]
    own_afm = db_session.get(StaffMember, own(db_session).coordinators[0]).afm
    return {"rows": theirs, "minutes": minutes.id, "submission": submission.id, "user": user.id, "period": p.id,
            "afms": afms, "code": "KSE00002", "own_afm": own_afm}


def attacks(v, mine):
    """(method, url, form data) – each with the other centre's ids or forged keys."""
    t = v["rows"]
    room, ws, coord, tech = t.room_ids[0], t.certified_ws[0], t.coordinators[0], t.technical_managers[0]
    uws = t.uncertified_ws[0] if t.uncertified_ws else ws
    forged_staff = staff_form(afm=make_afm(66600001), centre=t.centre_id, centre_id=t.centre_id)
    own_afm = v["own_afm"]
    return [
        # centres
        ("GET", f"/centreview/show/{t.centre_id}", None),
        ("GET", f"/centreview/edit/{t.centre_id}", None),
        ("POST", f"/centreview/edit/{t.centre_id}", {"name": "x"}),
        ("POST", f"/centreview/delete/{t.centre_id}", {}),
        ("GET", "/centreview/add", None),
        ("GET", f"/centreview/list/?_flt_0_code={v['code']}", None),
        ("GET", f"/centreview/export/?_flt_0_code={v['code']}", None),
        ("POST", f"/centreview/action/any/{t.centre_id}", {}),
        ("POST", "/centreview/action_post", {"action": "any", "rowid": [t.centre_id]}),
        ("GET", "/centreview/download/x.pdf", None),
        # rooms
        ("GET", f"/roomview/show/{room}", None),
        ("GET", f"/roomview/edit/{room}", None),
        ("POST", f"/roomview/edit/{room}", {"certified": "y"}),
        ("POST", f"/roomview/delete/{room}", {}),
        ("POST", "/roomview/add", {"centre": t.centre_id, "code": "Χ", "name": "Χ", "capacity": "1"}),
        ("GET", f"/roomview/list/?_flt_0_code={'Ε1'}", None),
        ("GET", "/roomview/export/", None),
        ("POST", f"/roomview/action/any/{room}", {}),
        ("POST", "/roomview/action_post", {"action": "any", "rowid": [room]}),
        ("GET", "/roomview/download/x", None),
        # workstations
        ("GET", f"/workstationview/show/{ws}", None),
        ("GET", f"/workstationview/edit/{uws}", None),
        ("POST", f"/workstationview/edit/{uws}", {"room": room, "inventory_code": "Χ", "ram_gb": "1"}),
        ("POST", f"/workstationview/delete/{uws}", {}),
        ("POST", "/workstationview/add", {"room": room, "inventory_code": "ΞΕΝΟ-1"}),
        ("POST", f"/workstationview/edit/{mine.uncertified_ws[0]}",
         {"room": room, "inventory_code": "ΜΕΤΑΚΙΝΗΣΗ"}),  # view only (manual 4.2): refused outright
        ("GET", f"/workstationview/list/?_flt_0_room_id={room}", None),
        ("GET", f"/workstationview/export/?_flt_0_room_id={room}", None),
        ("POST", f"/workstationview/action/any/{ws}", {}),
        ("POST", "/workstationview/action_post", {"action": "any", "rowid": [ws]}),
        ("GET", "/workstationview/download/x", None),
        # staff, both roles, also each other's ids
        *[(m, u.format(base=base, pk=pk), d)
          for base, pk in (("coordinatorview", coord), ("technicalmanagerview", tech),
                           ("technicalmanagerview", mine.coordinators[0]))
          for m, u, d in (("GET", "/{base}/show/{pk}", None), ("GET", "/{base}/edit/{pk}", None),
                          ("POST", "/{base}/edit/{pk}", staff_form(afm=make_afm(66600002))),
                          ("POST", "/{base}/delete/{pk}", {}),
                          ("POST", "/{base}/action/any/{pk}", {}),
                          ("POST", "/{base}/action_post", {"action": "any", "rowid": [pk]}))],
        ("POST", "/coordinatorview/add", forged_staff),
        # move an own member into their centre: a form the manager may post (K-2)
        ("POST", f"/coordinatorview/edit/{mine.coordinators[0]}",
         staff_form(last_name="ΜΕΤΑΚΙΝΗΣΗ", afm=own_afm, centre=t.centre_id, centre_id=t.centre_id,
                    centre_code=v["code"])),
        ("POST", "/technicalmanagerview/add", dict(forged_staff, afm=make_afm(66600003))),
        ("GET", f"/coordinatorview/list/?_flt_0_afm={v['afms'][0]}", None),
        ("GET", f"/technicalmanagerview/list/?_flt_0_afm={v['afms'][-1]}", None),
        ("GET", "/coordinatorview/export/", None),
        ("GET", "/technicalmanagerview/export/", None),
        ("GET", "/coordinatorview/download/x", None),
        ("GET", "/technicalmanagerview/download/x", None),
        # minutes
        ("GET", f"/minutes/show/{v['minutes']}", None),
        ("GET", f"/minutes/file/{v['minutes']}", None),
        ("GET", f"/minutes/edit/{v['minutes']}", None),
        ("POST", f"/minutes/delete/{v['minutes']}", {}),
        ("GET", "/minutes/add", None),
        ("GET", "/minutes/export/", None),
        ("GET", "/minutes/list/", None),
        ("POST", f"/minutes/action/any/{v['minutes']}", {}),
        ("POST", "/minutes/action_post", {"action": "any", "rowid": [v["minutes"]]}),
        ("GET", "/minutes/download/x", None),
        ("POST", "/minutes/upload/", {"training_period": v["period"], "centre": t.centre_id,
                                      "centre_id": t.centre_id, "file": (io.BytesIO(pdf_bytes()), "Δικό μου.pdf")}),
        # staff submissions
        ("GET", f"/staffsubmissionview/show/{v['submission']}", None),
        ("GET", f"/staffsubmissionview/edit/{v['submission']}", None),
        ("POST", f"/staffsubmissionview/delete/{v['submission']}", {}),
        ("GET", "/staffsubmissionview/add", None),
        ("GET", f"/staffsubmissionview/reopen/{v['submission']}", None),
        ("POST", f"/staffsubmissionview/reopen/{v['submission']}", {"reason": "x"}),
        ("POST", f"/staffsubmissionview/action/reopen/{v['submission']}", {}),
        ("POST", "/staffsubmissionview/action_post", {"action": "reopen", "rowid": [v["submission"]]}),
        ("GET", "/staffsubmissionview/export/", None),
        ("GET", "/staffsubmissionview/list/", None),
        ("GET", "/staffsubmissionview/download/x", None),
        # the final-submission page: no centre id is taken from the request
        ("GET", f"/staff-submission/list/?centre_id={t.centre_id}", None),
        ("POST", "/staff-submission/confirm/", {"member": [coord]}),
        ("POST", "/staff-submission/confirm/", {"member": [mine.coordinators[0], tech], "centre_id": t.centre_id}),
        ("POST", "/staff-submission/submit/", {"centre_id": t.centre_id, "centre": t.centre_id}),
        # training periods: the Admin's
        ("GET", f"/trainingperiodview/show/{v['period']}", None),
        ("POST", f"/trainingperiodview/edit/{v['period']}", {"code": "X"}),
        ("POST", f"/trainingperiodview/delete/{v['period']}", {}),
        ("POST", "/trainingperiodview/add", {"code": "X"}),
        ("GET", "/trainingperiodview/export/", None),
        ("GET", "/trainingperiodview/list/", None),
        ("POST", f"/trainingperiodview/action/any/{v['period']}", {}),
        ("POST", "/trainingperiodview/action_post", {"action": "any", "rowid": [v["period"]]}),
        ("GET", "/trainingperiodview/download/x", None),
        # the other centre's user
        ("GET", "/users/list/", None),
        ("GET", f"/users/show/{v['user']}", None),
        ("POST", f"/users/edit/{v['user']}", {"email": "x@example.gr"}),
    ]


# What may come back: a refusal, or (for reads of the own scope, lists, exports and
# forms) a page that the body check below proves holds nothing of the other centre.
ALLOWED = {200, 302, 400, 403, 404, 405}


def send(client, method, url, data):
    if method == "GET":
        return client.get(url)
    multipart = any(isinstance(v, tuple) for v in (data or {}).values())
    return client.post_form(url, data, **({"content_type": "multipart/form-data"} if multipart else {}))


def test_manager_cannot_reach_another_centre_through_any_endpoint(login, db_session, victim, app):
    mine = own(db_session)
    theirs = victim["rows"]
    before = fingerprint(db_session, theirs.centre_id)
    own_before = fingerprint(db_session, mine.centre_id)
    their_file = login("admin").get(f"/minutes/file/{victim['minutes']}").data
    manager = login("manager1")
    secrets = [victim["code"], *victim["afms"], "Ξένο.pdf"]
    leaks, statuses = [], {}
    for method, url, data in attacks(victim, mine):
        response = send(manager, method, url, data)
        statuses[(method, url)] = response.status_code
        assert response.status_code in ALLOWED, (method, url, response.status_code)
        if 300 <= response.status_code < 400:
            body = ""  # FAB's redirect stub names only the page the user came from
        elif response.mimetype == "application/pdf":
            body = ""
            if response.data == their_file:
                leaks.append((method, url, "their minutes file"))
        else:
            body = response.get_data(as_text=True)
        typed = url + repr(data)  # a search form echoes what was typed: not a leak
        leaks += [(method, url, s) for s in secrets if s in body and s not in typed]
    assert leaks == []
    # Reads of a foreign row are "not found", never the row.
    for path in (f"/roomview/show/{theirs.room_ids[0]}", f"/workstationview/show/{theirs.certified_ws[0]}",
                 f"/coordinatorview/show/{theirs.coordinators[0]}", f"/minutes/file/{victim['minutes']}",
                 f"/minutes/show/{victim['minutes']}", f"/staffsubmissionview/show/{victim['submission']}",
                 f"/technicalmanagerview/show/{mine.coordinators[0]}"):
        assert statuses[("GET", path)] == 404, path
    assert statuses[("POST", "/staff-submission/confirm/")] == 403
    assert statuses[("GET", f"/users/show/{victim['user']}")] == 403

    # Nothing of theirs changed …
    assert fingerprint(db_session, theirs.centre_id) == before
    # … and what was forged into their centre landed in the manager's own, or nowhere.
    after = fingerprint(db_session, mine.centre_id)
    new_staff = db_session.scalars(select(StaffMember).where(
        StaffMember.afm.in_([make_afm(66600001), make_afm(66600003)]))).all()
    assert {m.centre_id for m in new_staff} == {mine.centre_id} and len(new_staff) == 2
    new_minutes = db_session.scalars(select(TeacherCouncilMinutes).where(
        TeacherCouncilMinutes.original_name == "Δικό μου.pdf")).all()
    assert [m.centre_id for m in new_minutes] == [mine.centre_id]
    assert after["room"] == own_before["room"]
    assert after["workstation"] == own_before["workstation"]  # workstations are view only for the manager
    # The own member posted with their centre's keys was changed in place, never moved.
    moved = db_session.get(StaffMember, mine.coordinators[0])
    assert moved.last_name == "ΜΕΤΑΚΙΝΗΣΗ" and moved.centre_id == mine.centre_id
    assert after["staff_submission"] == own_before["staff_submission"] == []


def test_every_endpoint_of_the_area_is_covered(app, db_session, victim):
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, url, _data in attacks(victim, own(db_session)):
        endpoint, _args = adapter.match(url.split("?")[0], method=method)
        covered.add(endpoint)
    area = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in AREA_VIEWS}
    assert area - covered == set()


def test_helpdesk_reads_everything_and_changes_nothing(login, db_session, victim):
    """K-11 across the area, with the same forged requests."""
    mine, theirs = own(db_session), victim["rows"]
    before = {c: fingerprint(db_session, c) for c in (mine.centre_id, theirs.centre_id)}
    helpdesk = login("helpdesk")
    for method, url, data in attacks(victim, mine):
        response = send(helpdesk, method, url, data)
        if method == "POST":
            assert response.status_code in (403, 404, 405), (url, response.status_code)
    for path in (f"/roomview/show/{theirs.room_ids[0]}", f"/coordinatorview/show/{theirs.coordinators[0]}",
                 f"/minutes/file/{victim['minutes']}", f"/staffsubmissionview/show/{victim['submission']}",
                 "/staffsubmissionview/export/", "/minutes/export/", "/coordinatorview/export/"):
        assert helpdesk.get(path).status_code == 200, path
    assert victim["afms"][0] in helpdesk.get("/coordinatorview/export/").get_data(as_text=True) + \
        helpdesk.get("/technicalmanagerview/export/").get_data(as_text=True)
    after = {c: fingerprint(db_session, c) for c in (mine.centre_id, theirs.centre_id)}
    assert after == before


def test_related_field_choices_offer_only_own_rows(app, login, db_session):
    """A form's select lists only the manager's rows, and a forged id is no choice (views.base: FAB's
    add/edit_form_query_rel_fields with the row scope). The workstation form (its `room` select) is
    the area's form with a related choice; since the manual gives managers view only it is proven
    here with the form itself, built for manager1's request, and closed to them over HTTP."""
    from flask import g
    from flask_login import login_user

    mine, theirs = own(db_session), other(db_session)
    manager = login("manager1")
    assert manager.get("/workstationview/add").status_code == 403
    assert manager.get(f"/workstationview/edit/{mine.uncertified_ws[0]}").status_code == 403
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "WorkstationView")
    user = db_session.scalars(select(AppUser).where(AppUser.username == "manager1")).one()
    for form_class in (view.add_form, view.edit_form):
        with app.test_request_context("/workstationview/add", method="POST",
                                      data={"room": str(theirs.room_ids[0]), "inventory_code": "Χ-1"}):
            login_user(user)
            g.user = user
            form = form_class.refresh()
            offered = {value for value, _label, _selected, *_ in form.room.iter_choices() if value != "__None"}
            assert offered == {str(i) for i in mine.room_ids}
            assert not form.validate() and form.room.errors  # the forged id is no choice
    # The forms the manager may open name no other centre.
    for url in ("/coordinatorview/add", f"/coordinatorview/edit/{mine.coordinators[0]}",
                "/technicalmanagerview/add", "/minutes/list/", "/expression-of-interest/list/"):
        assert "KSE00002" not in manager.get(url).get_data(as_text=True), url
    assert db_session.scalars(select(Workstation.id).where(Workstation.inventory_code == "Χ-1")).first() is None
