"""Users are linked to their centre / evaluator file by code (no 100,000-row selects);
a wrong code or an invalid Α.Φ.Μ. is refused with a message and nothing is saved."""
from models.users import AppUser

from app.rules.identifiers import make_afm

BASE = {"first_name": "Ελένη", "last_name": "Παππά", "active": "y", "roles": "3",
        "password": "Very-Str0ng!Pass9", "conf_password": "Very-Str0ng!Pass9"}


def test_admin_links_a_new_manager_to_a_centre_by_code(login, db_session):
    admin = login("admin")
    data = dict(BASE, username="manager3", email="m3@example.gr", centre_code="KSE00003", afm=make_afm(55501234))
    response = admin.post_form("/users/add", data, page="/users/add")
    assert response.status_code == 302
    user = db_session.query(AppUser).filter_by(username="manager3").one()
    assert user.centre.code == "KSE00003" and user.afm == make_afm(55501234)
    edit = admin.get(f"/users/edit/{user.id}").get_data(as_text=True)
    assert 'value="KSE00003"' in edit and "<select" not in edit.split('id="centre_code"')[0][-300:]


def test_unknown_centre_code_or_bad_afm_saves_nothing(login, db_session):
    admin = login("admin")
    response = admin.post_form("/users/add", dict(BASE, username="ghost", email="g@example.gr", centre_code="NOPE1"),
                               page="/users/add", follow_redirects=True)
    assert "NOPE1" in response.get_data(as_text=True)
    response = admin.post_form("/users/add", dict(BASE, username="ghost2", email="g2@example.gr", afm="123456789"),
                               page="/users/add")
    assert response.status_code == 200  # the form again, with the field error
    assert db_session.query(AppUser).filter(AppUser.username.in_(["ghost", "ghost2"])).count() == 0


def test_role_actions_are_post_only_and_copy_a_single_role(login, db_session):
    """FAB's single-row action route hands one Role to copy_role, which iterates it (a
    500 the fuzzer found): the route is POST-only here, and copies the role."""
    from flask_appbuilder.security.sqla.models import Role

    admin = login("admin")
    role = db_session.query(Role).filter_by(name="HelpDesk").one()
    assert admin.get(f"/roles/action/copyrole/{role.id}").status_code == 405
    response = admin.post_form(f"/roles/action/copyrole/{role.id}", page="/roles/list/")
    assert response.status_code in (200, 302)
    db_session.expire_all()
    assert db_session.query(Role).filter(Role.name.like("HelpDesk%")).count() == 2
