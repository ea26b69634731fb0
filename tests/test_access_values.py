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


# --- F16: the Α.Φ.Μ. check digit, declared on the columns ------------------------------------
def tax_number_columns():
    from flask_appbuilder import Model

    for mapper in Model.registry.mappers:
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            if hasattr(column, "info"):  # a column, not a column_property's expression
                yield mapper.class_, attr.key, column


def test_f16_every_afm_column_is_declared_a_tax_number():
    afm = [(model.__name__, key) for model, key, column in tax_number_columns() if key == "afm"]
    declared = [(model.__name__, key) for model, key, column in tax_number_columns() if column.info.get("tax_number")]
    assert afm and sorted(afm) == sorted(declared)
    assert {"AppUser", "Evaluator", "StaffMember"} <= {name for name, _ in declared}


@pytest.mark.parametrize("value,stored", [("109999994", True), ("109999995", False), ("12345678²", False),
                                          ("ΑΒΓ", False)])
def test_f16_afm_check_digit_through_the_candidates_form(login, db_session, value, stored):
    """The candidate's own form I.2 has no check-digit validator of its own (the service
    checks at submission): the generic check refuses a wrong check digit at once."""
    from models.evaluators import Evaluator
    from tests.evaluators_helpers import file_id, personal_data_form

    client = login("candidate")
    evaluator_id = file_id(db_session, "candidate")
    response = client.post_form(f"/evaluatorview/edit/{evaluator_id}", personal_data_form(db_session, afm=value),
                                page=f"/evaluatorview/edit/{evaluator_id}", follow_redirects=True)
    assert response.status_code in (200, 400)
    db_session.expire_all()
    assert (db_session.get(Evaluator, evaluator_id).afm == value) == stored
    if not stored:
        assert "δεν είναι έγκυρος Α.Φ.Μ." in response.get_data(as_text=True)


def test_f16_afm_check_digit_on_every_declared_model():
    """Every model with a tax-number column refuses a wrong check digit in the one check
    every write goes through (views' pre_add/pre_update)."""
    from app.errors import Refused
    from app.hardening import check_values

    for model, key, column in tax_number_columns():
        if not column.info.get("tax_number"):
            continue
        item = model()
        setattr(item, key, "109999994")
        check_values(item)
        setattr(item, key, "109999995")
        with pytest.raises(Refused) as refused:
            check_values(item)
        assert refused.value.field == key


def test_f16_the_api_writes_nothing(shared_app):
    """The REST API is read only: no route takes an Α.Φ.Μ. (or anything) to store."""
    from tests import attack_support as s

    headers = s.api_headers(shared_app, s.ADMIN)
    api = shared_app.test_client()
    for resource in ("centre", "evaluator"):
        assert api.post(f"/api/v1/{resource}/", json={"afm": "109999995"}, headers=headers).status_code == 405
        assert api.put(f"/api/v1/{resource}/1", json={"afm": "109999995"}, headers=headers).status_code == 405
