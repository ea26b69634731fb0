"""The audit log: every insert/update/delete of a registry record and every custom
action, with who, when, field-level before/after and the request id, in the same
transaction as the change; nobody edits it through the app."""
import json

from models.audit import AuditEntry
from models.centres import Centre


def entries(session, **filters):
    return session.query(AuditEntry).filter_by(**filters).order_by(AuditEntry.id).all()


def test_edit_through_the_ui_is_audited_with_before_after_and_request_id(login, db_session):
    admin = login("admin")
    centre = db_session.query(Centre).filter_by(code="KSE00004").one()
    old_name = centre.name
    edit = f"/centreview/edit/{centre.id}"
    response = admin.post_form(edit, {"code": centre.code, "name": "Νέα Επωνυμία", "prefecture": str(centre.prefecture_id),
                                      "legal_representative": centre.legal_representative or "", "address": centre.address or "",
                                      "email": centre.email or "", "phone": centre.phone or ""}, page=edit)
    assert response.status_code == 302
    request_id = response.headers["X-Request-ID"]
    (entry,) = entries(db_session, table_name="centre", record_id=str(centre.id), action="update")
    changes = json.loads(entry.changes)
    assert changes["name"] == [old_name, "Νέα Επωνυμία"]
    assert "code" not in changes  # only what changed
    assert entry.username == "admin" and entry.request_id == request_id and entry.user_id is not None


def test_insert_and_delete_are_audited(login, db_session):
    admin = login("admin")
    response = admin.post_form("/centreview/add", {"code": "KSE99999", "name": "Δοκιμαστικό ΚΣΕ", "prefecture": "1"},
                               page="/centreview/add")
    assert response.status_code == 302
    centre = db_session.query(Centre).filter_by(code="KSE99999").one()
    (inserted,) = entries(db_session, table_name="centre", record_id=str(centre.id), action="insert")
    assert json.loads(inserted.changes)["name"] == [None, "Δοκιμαστικό ΚΣΕ"]
    admin.post_form(f"/centreview/delete/{centre.id}", page="/centreview/list/")
    (deleted,) = entries(db_session, table_name="centre", record_id=str(centre.id), action="delete")
    assert json.loads(deleted.changes)["code"] == ["KSE99999", None]


def test_custom_actions_are_audited(login, db_session):
    committee = login("committee")
    before = len(entries(db_session, action="action:rescore"))
    committee.post_form("/rescoring/rescore", page="/rescoring/list/")
    (entry,) = entries(db_session, action="action:rescore")[before:]
    assert entry.username.startswith("committee")


def test_a_rolled_back_change_leaves_no_audit_row(db_session):
    before = db_session.query(AuditEntry).count()
    centre = db_session.query(Centre).first()
    centre.name = "Προσωρινό"
    db_session.flush()
    assert db_session.query(AuditEntry).count() == before + 1  # written in the same transaction…
    db_session.rollback()
    assert db_session.query(AuditEntry).count() == before  # …and gone with it


def test_nobody_edits_the_audit_log(login, db_session):
    entry_id = db_session.query(AuditEntry.id).first()[0]
    for username in ("admin", "helpdesk"):
        user = login(username)
        assert user.get("/auditentryview/list/").status_code == 200
        assert user.get(f"/auditentryview/edit/{entry_id}").status_code in (403, 404)
        assert user.get("/auditentryview/add").status_code in (403, 404)
        assert user.post_form(f"/auditentryview/delete/{entry_id}", page="/auditentryview/list/").status_code in (403, 404, 405)
    assert db_session.get(AuditEntry, entry_id) is not None


def test_secret_fields_are_masked(db_session):
    """Fields a model lists in __audit_secret__ are logged as *** (e.g. a lottery secret)."""
    from app.audit import MASK

    Centre.__audit_secret__ = frozenset({"email"})
    try:
        centre = db_session.query(Centre).filter_by(code="KSE00005").one()
        centre.email = "secret@example.gr"
        db_session.flush()
        entry = entries(db_session, table_name="centre", record_id=str(centre.id), action="update")[-1]
        assert json.loads(entry.changes)["email"] == [MASK, MASK]
        assert "secret@example.gr" not in entry.changes
    finally:
        Centre.__audit_secret__ = frozenset()
        db_session.rollback()


def test_exports_are_audited(login, db_session):
    login("helpdesk").get("/centreview/export/").get_data()
    (entry,) = entries(db_session, action="action:export", table_name="centre")
    assert entry.username == "helpdesk"
