"""K-1 rooms and workstations, K-11 help desk: what a centre manager, the Admin and the
help desk see and may change."""
import re

from sqlalchemy import func, select

from models.audit import AuditEntry
from models.centres import Room, Workstation
from tests.centres_support import other, own


def test_rooms_list_counts_and_drill_down_to_workstations(login, db_session):
    """K-1: each room with certification, evaluation result, capacity and the counts of
    certified / uncertified workstations; each count opens exactly those workstations."""
    mine = own(db_session)
    manager = login("manager1")
    html = manager.get("/roomview/list/").get_data(as_text=True)
    room = db_session.get(Room, mine.room_ids[0])
    certified = db_session.scalar(select(func.count()).where(Workstation.room_id == room.id, Workstation.certified))
    uncertified = db_session.scalar(select(func.count()).where(Workstation.room_id == room.id,
                                                               Workstation.certified.is_(False)))
    links = dict(re.findall(rf'<a class="ws-(certified|uncertified)" href="([^"]*_flt_0_room_id={room.id}[^"]*)"', html))
    assert set(links) == {"certified", "uncertified"}
    assert f'>{certified}</a>' in html and "Θετική" in html

    for kind, expected in (("certified", certified), ("uncertified", uncertified)):
        page = manager.get(links[kind].replace("&amp;", "&")).get_data(as_text=True)
        codes = set(re.findall(r"ΣΕ-\d{5}-\d{2}", page))
        want = set(db_session.scalars(select(Workstation.inventory_code).where(
            Workstation.room_id == room.id, Workstation.certified.is_(kind == "certified"))))
        assert codes == want and len(codes) == expected
        assert "Windows" in page or "Ubuntu" in page  # the technical specs are listed


def test_manager_reads_workstations_and_changes_none(login, db_session):
    """K-1 and the manual (4.2, view only): certification and the workstations are the Admin's;
    the manager's add/edit/delete are refused on the server, whatever is posted."""
    mine = own(db_session)
    manager = login("manager1")
    ids = (mine.certified_ws[0], mine.uncertified_ws[0])
    before = db_session.scalar(select(func.count()).select_from(Workstation))
    specs = [(db_session.get(Workstation, i).inventory_code, db_session.get(Workstation, i).certified) for i in ids]
    assert manager.get(f"/workstationview/show/{mine.certified_ws[0]}").status_code == 200
    for ws_id in ids:
        edit = f"/workstationview/edit/{ws_id}"
        assert manager.get(edit).status_code == 403
        assert manager.post_form(edit, {"room": mine.room_ids[0], "inventory_code": "X", "certified": "y",
                                        "ram_gb": "1"}, page="/workstationview/list/").status_code == 403
        assert manager.post_form(f"/workstationview/delete/{ws_id}", page="/workstationview/list/").status_code == 403
    assert manager.post_form("/workstationview/add", {"room": mine.room_ids[0], "inventory_code": "ΝΕΟ-1",
                                                      "certified": "y"}, page="/workstationview/list/").status_code == 403
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Workstation)) == before
    assert [(db_session.get(Workstation, i).inventory_code, db_session.get(Workstation, i).certified)
            for i in ids] == specs
    # Rooms are read-only for the manager.
    assert manager.get(f"/roomview/edit/{mine.room_ids[0]}").status_code == 403
    assert manager.post_form(f"/roomview/edit/{mine.room_ids[0]}", {"certified": "y"}).status_code == 403


def test_admin_certifies_and_a_room_needs_a_positive_evaluation(login, db_session):
    """K-1: the Admin decides; a certified room must have a positive evaluation."""
    mine = own(db_session)
    admin = login("admin")
    ws_id = mine.uncertified_ws[0]
    ws = db_session.get(Workstation, ws_id)
    edit = f"/workstationview/edit/{ws_id}"
    page = admin.get(edit).get_data(as_text=True)
    assert 'name="certified"' in page and 'name="room"' not in page  # codes, not a 20,000-room select
    assert 'value="KSE00001"' in page and f'value="{ws.room.code}"' in page
    response = admin.post_form(edit, {"centre_code": "KSE00001", "room_code": ws.room.code,
                                      "inventory_code": ws.inventory_code, "certified": "y"}, page=edit)
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Workstation, ws_id).certified is True
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.table_name == "workstation",
                                                        AuditEntry.record_id == str(ws_id))).one()
    assert entry.username == "admin" and '"certified": [false, true]' in entry.changes

    room = db_session.scalars(select(Room).where(Room.centre_id == mine.centre_id, Room.certified.is_(False))).first()
    if room is None:  # the demo may have certified every room of the centre: make one
        room = Room(centre_id=mine.centre_id, code="Τ9", name="Τεστ", capacity=10)
        db_session.add(room)
        db_session.commit()
    edit = f"/roomview/edit/{room.id}"
    response = admin.post_form(edit, {"centre_code": "KSE00001", "code": room.code, "name": room.name, "kind": "lab",
                                      "capacity": "12", "certified": "y", "evaluation_result": "negative"},
                               page=edit, follow_redirects=True)
    assert "Μόνο αίθουσα με θετική αξιολόγηση" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Room, room.id).certified is False


def test_helpdesk_reads_every_centre_and_changes_nothing(login, db_session):
    """K-11: every centre's rooms and workstations, read-only, with CSV export."""
    theirs = other(db_session)
    helpdesk = login("helpdesk")
    html = helpdesk.get("/roomview/list/").get_data(as_text=True)
    assert "KSE00001" in html and "KSE00002" in html
    assert "/roomview/add" not in html and "/roomview/edit/" not in html
    assert helpdesk.get(f"/workstationview/show/{theirs.certified_ws[0]}").status_code == 200
    csv = helpdesk.get("/roomview/export/").get_data(as_text=True)
    assert csv.startswith("\ufeff") and "KSE00002" in csv and "KSE00001" in csv
    assert helpdesk.get(f"/workstationview/edit/{theirs.certified_ws[0]}").status_code == 403
    assert helpdesk.post_form(f"/workstationview/delete/{theirs.certified_ws[-1]}").status_code == 403
    assert helpdesk.post_form("/workstationview/add", {"room": theirs.room_ids[0], "inventory_code": "Χ"}).status_code == 403


def test_admin_types_centre_and_room_codes(login, db_session):
    """The Admin's forms take codes (no select of every centre or room); an unknown code
    is refused with its name."""
    theirs = other(db_session)
    admin = login("admin")
    room = db_session.get(Room, theirs.room_ids[0])
    response = admin.post_form("/workstationview/add", {"centre_code": "KSE00002", "room_code": room.code,
                                                        "inventory_code": "ΔΙΑΧ-1", "certified": "y"},
                               page="/workstationview/add")
    assert response.status_code == 302
    new = db_session.scalars(select(Workstation).where(Workstation.inventory_code == "ΔΙΑΧ-1")).one()
    assert new.room_id == room.id and new.certified is True
    edit = f"/workstationview/edit/{new.id}"
    admin.post_form(edit, {"centre_code": "KSE00002", "room_code": room.code, "inventory_code": "ΔΙΑΧ-1"}, page=edit)
    db_session.expire_all()
    assert db_session.get(Workstation, new.id).certified is False  # unticked: certification withdrawn
    for data, message in (({"centre_code": "KSE99999", "room_code": "Ε1"}, "Δεν υπάρχει ΚΣΕ με κωδικό KSE99999."),
                          ({"centre_code": "KSE00002", "room_code": "Ζ9"}, "Το ΚΣΕ KSE00002 δεν έχει αίθουσα Ζ9.")):
        html = admin.post_form("/workstationview/add", dict(data, inventory_code="ΔΙΑΧ-2"), page="/workstationview/add",
                               follow_redirects=True).get_data(as_text=True)
        assert message in html, message
    assert db_session.scalars(select(Workstation).where(Workstation.inventory_code == "ΔΙΑΧ-2")).first() is None
    response = admin.post_form("/roomview/add", {"centre_code": "KSE00002", "code": "Α9", "name": "Αίθουσα 9",
                                                 "kind": "room", "capacity": "20", "evaluation_result": "pending"},
                               page="/roomview/add")
    assert response.status_code == 302
    assert db_session.scalars(select(Room).where(Room.code == "Α9")).one().centre_id == theirs.centre_id
