"""Review F16: the server validates every field against its column and rule, whatever
the form lets through: NUL and control characters, over-long text, negative sizes,
blank optional identifiers."""
import pytest
from sqlalchemy import func, select

from models.centres import Workstation
from models.users import AppUser
from tests.centres_support import own


def room_codes(session) -> dict:
    """The Admin's form names the room by centre and room code."""
    from models.centres import Room

    return {"centre_code": "KSE00001", "room_code": session.get(Room, own(session).room_ids[0]).code}


BASE = {"inventory_code": "INV-F16", "cpu": "i5", "ram_gb": "8", "disk_gb": "256", "operating_system": "Linux"}


@pytest.mark.parametrize("field,value,message", [
    ("inventory_code", "A\x00B", "χαρακτήρες που δεν επιτρέπονται"),
    ("notes", "x" * 20_000, "έως 10000 χαρακτήρες"),
    ("cpu", "Ω" * 5000, None),  # the form's own length check answers first
    ("ram_gb", "-8", "αριθμός από 1 έως 4096"),
    ("disk_gb", "-1", "αριθμός από 1 έως 1000000"),
])
def test_f16_bad_values_are_refused_and_not_stored(login, db_session, field, value, message):
    client = login("admin")  # workstations are the Admin's (manual 4.2: managers view only)
    client.token = client.csrf("/workstationview/add")
    before = db_session.scalar(select(func.count()).select_from(Workstation))
    response = client.post_form("/workstationview/add", {**BASE, **room_codes(db_session), field: value},
                                follow_redirects=True)
    assert response.status_code == 200
    assert message is None or message in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Workstation)) == before


def test_f16_a_valid_workstation_is_stored(login, db_session):
    client = login("admin")
    client.token = client.csrf("/workstationview/add")
    client.post_form("/workstationview/add", {**BASE, **room_codes(db_session)})
    assert db_session.scalars(select(Workstation).where(Workstation.inventory_code == "INV-F16")).one().ram_gb == 8


def test_f16_a_blank_afm_is_stored_as_none(login, db_session):
    admin = login("admin")
    admin.token = admin.csrf("/users/add")
    for n in (1, 2):  # two users without Α.Φ.Μ.: "" twice would break the unique constraint
        response = admin.post_form("/users/add", {
            "first_name": "Α", "last_name": "Β", "username": f"blank{n}", "email": f"blank{n}@example.gr",
            "active": "y", "roles": "1", "password": "Reset-Kodikos-2027!", "conf_password": "Reset-Kodikos-2027!",
            "afm": "  ", "teacher_registry_no": "", "centre_code": "", "evaluator_registry_no": ""})
        assert response.status_code == 302
    users = db_session.scalars(select(AppUser).where(AppUser.username.in_(["blank1", "blank2"]))).all()
    assert len(users) == 2 and {u.afm for u in users} == {None}
