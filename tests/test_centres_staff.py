"""K-2 staff (coordinators, technical managers) and K-3 confirmation against the
teacher-council minutes, up to the final submission of the staff changes and the
Admin's reopening."""
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from app.rules.identifiers import make_afm
from models.audit import AuditEntry
from models.centres import StaffMember, StaffRole, StaffSubmission
from tests.centres_support import close_calls, other, own, pdf_bytes, period, set_window, staff_form, submissions

ADD = "/coordinatorview/add"
FINAL = "/staff-submission/list/"


def staff_count(session, centre_id):
    return session.scalar(select(func.count()).select_from(StaffMember).where(StaffMember.centre_id == centre_id))


def upload_minutes(client, period_id, data=None, name="Πρακτικό.pdf"):
    return client.post_form("/minutes/upload/", {"training_period": period_id,
                                                  "file": (io.BytesIO(data or pdf_bytes()), name)},
                            page="/minutes/list/", content_type="multipart/form-data")


def test_staff_form_errors_are_field_level_greek_and_save_nothing(login, db_session):
    """K-2: missing mandatory fields, an invalid Α.Φ.Μ., a duplicate Α.Φ.Μ. or Α.Μ. in
    the same centre: the form comes back with the message at the field."""
    mine = own(db_session)
    existing = db_session.get(StaffMember, mine.coordinators[0])
    before = staff_count(db_session, mine.centre_id)
    manager = login("manager1")
    cases = [
        (staff_form(last_name="", first_name="", afm=""), ["last_name", "first_name", "afm"],
         "Το πεδίο είναι υποχρεωτικό."),
        (staff_form(afm="123456789"), ["afm"], "Μη έγκυρος Α.Φ.Μ.: εννέα ψηφία με έγκυρο ψηφίο ελέγχου."),
        (staff_form(afm=existing.afm), ["afm"], "Υπάρχει ήδη μέλος του ΚΣΕ με αυτόν τον Α.Φ.Μ."),
        (staff_form(afm=make_afm(55500001), teacher_registry_no=existing.teacher_registry_no), ["teacher_registry_no"],
         "Υπάρχει ήδη μέλος του ΚΣΕ με αυτόν τον Α.Μ."),
        (staff_form(afm=make_afm(55500002), teacher_registry_no="12AB"), ["teacher_registry_no"],
         "Μη έγκυρος Α.Μ. Εκπαιδευτικού: έξι ψηφία."),
        (staff_form(afm=make_afm(55500003), email="όχι-email"), ["email"], "Μη έγκυρη διεύθυνση e-mail."),
    ]
    for data, fields, message in cases:
        # the duplicate is also refused from the other role's list: one person, one row per centre
        for url in (ADD, "/technicalmanagerview/add"):
            response = manager.post_form(url, data, page=url)
            html = response.get_data(as_text=True)
            assert response.status_code == 200 and message in html, (data, message)
            for field in fields:
                assert f'id="{field}"' in html
    db_session.expire_all()
    assert staff_count(db_session, mine.centre_id) == before
    # Uniqueness is per centre: manager2 may register the same person.
    response = login("manager2").post_form(ADD, staff_form(afm=existing.afm), page=ADD)
    assert response.status_code == 302
    assert db_session.scalar(select(func.count()).where(StaffMember.afm == existing.afm)) == 2
    # Editing a member keeping their own Α.Φ.Μ. is not a duplicate.
    edit = f"/coordinatorview/edit/{existing.id}"
    response = manager.post_form(edit, staff_form(last_name=existing.last_name, first_name=existing.first_name,
                                                  afm=existing.afm, teacher_registry_no=existing.teacher_registry_no,
                                                  phone="2101234567"), page=edit)
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(StaffMember, existing.id).phone == "2101234567"


def test_manager_adds_edits_deletes_staff_of_own_centre_audited(login, db_session):
    """K-2: view, edit, add, delete while the window is open; the posted centre and
    role are never taken; every change is in the audit log."""
    mine, theirs = own(db_session), other(db_session)
    manager = login("manager1")
    afm = make_afm(55511111)
    response = manager.post_form("/technicalmanagerview/add",
                                 staff_form(afm=afm, centre=theirs.centre_id, centre_id=theirs.centre_id,
                                            role="coordinator"), page="/technicalmanagerview/add")
    assert response.status_code == 302
    member = db_session.scalars(select(StaffMember).where(StaffMember.afm == afm)).one()
    member_id = member.id
    assert member.centre_id == mine.centre_id and member.role is StaffRole.technical_manager
    assert member.teacher_registry_no is None  # an empty Α.Μ. is no value, not ""
    html = manager.get("/technicalmanagerview/list/").get_data(as_text=True)
    assert afm in html and "Παπαδάκη" in html
    assert afm not in manager.get("/coordinatorview/list/").get_data(as_text=True)

    edit = f"/technicalmanagerview/edit/{member_id}"
    assert manager.post_form(edit, staff_form(afm=afm, last_name="Παπαδάκη-Νίκου"), page=edit).status_code == 302
    assert manager.post_form(f"/technicalmanagerview/delete/{member_id}",
                             page="/technicalmanagerview/list/").status_code == 302
    db_session.expire_all()
    assert db_session.get(StaffMember, member_id) is None
    entries = list(db_session.scalars(select(AuditEntry).where(
        AuditEntry.table_name == "staff_member", AuditEntry.record_id == str(member_id)).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["insert", "update", "delete"]
    assert {e.username for e in entries} == {"manager1"}
    assert '"last_name": ["Παπαδάκη", "Παπαδάκη-Νίκου"]' in entries[1].changes


def test_staff_is_read_only_outside_the_window(login, db_session):
    """K-2: changes only while the period's staff window is open or one of its calls
    accepts applications (manual 5): here neither."""
    mine = own(db_session)
    set_window(db_session, opens=dt.timedelta(days=-30), closes=dt.timedelta(minutes=-1))
    close_calls(db_session)
    before = staff_count(db_session, mine.centre_id)
    manager = login("manager1")
    html = manager.get("/coordinatorview/list/").get_data(as_text=True)
    assert 'id="staff-readonly"' in html and "/coordinatorview/add" not in html and "/coordinatorview/edit/" not in html
    response = manager.post_form(ADD, staff_form(afm=make_afm(55522222)), page=ADD, follow_redirects=True)
    assert "μόνο όσο είναι ανοικτό" in response.get_data(as_text=True)
    member = db_session.get(StaffMember, mine.coordinators[0])
    edit = f"/coordinatorview/edit/{member.id}"
    manager.post_form(edit, staff_form(afm=member.afm, last_name="Αλλαγμένο"), page=edit)
    manager.post_form(f"/coordinatorview/delete/{member.id}", page="/coordinatorview/list/")
    db_session.expire_all()
    assert staff_count(db_session, mine.centre_id) == before
    assert db_session.get(StaffMember, member.id).last_name == member.last_name
    assert "Καμία περίοδος" in manager.get(FINAL).get_data(as_text=True)


def test_final_submission_needs_minutes_and_every_member_confirmed(login, db_session):
    """K-2, K-3: refused (with the names) while the minutes are missing or a member is
    unconfirmed; then one final submission, after which the staff list is read-only."""
    mine = own(db_session)
    open_period = period(db_session)
    members = [db_session.get(StaffMember, i) for i in mine.coordinators + mine.technical_managers]
    manager = login("manager1")

    # No minutes yet: refused; nothing to confirm against.
    response = manager.post_form("/staff-submission/submit/", page=FINAL, follow_redirects=True)
    assert "Δεν έχει αναρτηθεί Πρακτικό" in response.get_data(as_text=True)
    response = manager.post_form("/staff-submission/confirm/", {"member": [m.id for m in members]}, page=FINAL,
                                 follow_redirects=True)
    assert "Αναρτήστε πρώτα" in response.get_data(as_text=True)

    assert upload_minutes(manager, open_period.id).status_code == 302
    # Confirm all but one: refused, naming exactly the unconfirmed member.
    manager.post_form("/staff-submission/confirm/", {"member": [m.id for m in members[1:]]}, page=FINAL)
    html = manager.post_form("/staff-submission/submit/", page=FINAL, follow_redirects=True).get_data(as_text=True)
    assert "δεν έχουν επιβεβαιωθεί στο πρακτικό" in html and f"{members[0].last_name} {members[0].first_name}" in html
    for m in members[1:]:
        assert f"{m.last_name} {m.first_name}</" not in html.split("δεν έχουν επιβεβαιωθεί στο πρακτικό")[1][:300]
    assert submissions(db_session, mine.centre_id) == []

    manager.post_form("/staff-submission/confirm/", {"member": [m.id for m in members]}, page=FINAL)
    entries = db_session.scalars(select(AuditEntry).where(
        AuditEntry.action == "action:staff_minutes_confirmations").order_by(AuditEntry.id)).all()
    assert f'"confirmed": "[{members[0].id}]"' in entries[-1].changes  # one transaction, one entry per save
    staff_html = manager.get("/coordinatorview/list/").get_data(as_text=True)
    assert f"{open_period.code} v1" in staff_html  # the confirmation shows in the staff list
    response = manager.post_form("/staff-submission/submit/", page=FINAL, follow_redirects=True)
    assert "υποβλήθηκαν οριστικά" in response.get_data(as_text=True)
    (submission,) = submissions(db_session, mine.centre_id)
    assert submission.attempt == 1 and submission.staff_count == len(members) and submission.is_final
    assert {row["afm"] for row in __import__("json").loads(submission.snapshot)} == {m.afm for m in members}
    audit = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "action:staff_final_submission")).one()
    assert audit.username == "manager1" and audit.record_id == str(submission.id)

    # A second click: a clear message, still one submission.
    response = manager.post_form("/staff-submission/submit/", page=FINAL, follow_redirects=True)
    assert "έχουν ήδη υποβληθεί οριστικά" in response.get_data(as_text=True)
    assert len(submissions(db_session, mine.centre_id)) == 1

    # Read-only for this period: no buttons, and the server refuses.
    html = manager.get("/coordinatorview/list/").get_data(as_text=True)
    assert 'id="staff-readonly"' in html and "/coordinatorview/edit/" not in html
    before = staff_count(db_session, mine.centre_id)
    response = manager.post_form(ADD, staff_form(afm=make_afm(55533333)), page=ADD, follow_redirects=True)
    assert "υποβλήθηκαν οριστικά" in response.get_data(as_text=True)
    manager.post_form(f"/coordinatorview/delete/{members[0].id}", page="/coordinatorview/list/")
    manager.post_form("/staff-submission/confirm/", {"member": []}, page=FINAL)
    db_session.expire_all()
    assert staff_count(db_session, mine.centre_id) == before
    assert db_session.get(StaffMember, members[0].id).confirmed_minutes_id is not None


def test_admin_reopens_with_a_reason_and_the_next_submission_is_a_new_attempt(login, db_session, app):
    mine = own(db_session)
    manager = login("manager1")
    upload_minutes(manager, period(db_session).id)
    all_ids = mine.coordinators + mine.technical_managers
    manager.post_form("/staff-submission/confirm/", {"member": all_ids}, page=FINAL)
    manager.post_form("/staff-submission/submit/", page=FINAL)
    (submission,) = submissions(db_session, mine.centre_id)

    # Neither the manager nor the help desk may reopen.
    for user in (manager, login("helpdesk")):
        assert user.get(f"/staffsubmissionview/reopen/{submission.id}").status_code == 403
        assert user.post_form(f"/staffsubmissionview/action/reopen/{submission.id}").status_code == 403
    admin = login("admin")
    reopen = f"/staffsubmissionview/reopen/{submission.id}"
    response = admin.post_form(f"/staffsubmissionview/action/reopen/{submission.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(reopen)
    response = admin.post_form(reopen, {"reason": "   "}, page=reopen)
    assert "Δώστε την αιτιολογία" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(StaffSubmission, submission.id).is_final
    admin.post_form(reopen, {"reason": "Λάθος στον Α.Φ.Μ. συντονιστή (αίτημα ΚΣΕ 12/3)"}, page=reopen)
    db_session.expire_all()
    reopened = db_session.get(StaffSubmission, submission.id)
    assert not reopened.is_final and reopened.reopened_by.username == "admin"
    assert reopened.reopen_reason == "Λάθος στον Α.Φ.Μ. συντονιστή (αίτημα ΚΣΕ 12/3)"
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "action:staff_submission_reopen")).one()
    assert "Λάθος στον Α.Φ.Μ." in entry.changes

    # Editable again; changing a confirmed member's identity drops the confirmation (K-3).
    member = db_session.get(StaffMember, mine.coordinators[0])
    edit = f"/coordinatorview/edit/{member.id}"
    response = manager.post_form(edit, staff_form(afm=member.afm, last_name="Νέο-Επώνυμο",
                                                  first_name=member.first_name,
                                                  teacher_registry_no=member.teacher_registry_no), page=edit)
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(StaffMember, member.id).confirmed_minutes_id is None
    manager.post_form("/staff-submission/confirm/", {"member": all_ids}, page=FINAL)
    manager.post_form("/staff-submission/submit/", page=FINAL)
    assert [s.attempt for s in submissions(db_session, mine.centre_id)] == [1, 2]


def test_a_racing_second_submit_meets_the_unique_constraint(login, db_session, monkeypatch):
    """Double click: two requests both read "not submitted yet"; the second insert meets
    uq_staff_submission_attempt and answers with the message, not a 500."""
    from app import centres as service

    mine = own(db_session)
    manager = login("manager1")
    upload_minutes(manager, period(db_session).id)
    manager.post_form("/staff-submission/confirm/", {"member": mine.coordinators + mine.technical_managers}, page=FINAL)
    assert manager.post_form("/staff-submission/submit/", page=FINAL).status_code == 302
    monkeypatch.setattr(service, "latest_submission", lambda *args: None)  # the stale read of the racing request
    response = manager.post_form("/staff-submission/submit/", page=FINAL, follow_redirects=True)
    assert response.status_code == 200 and "έχουν ήδη υποβληθεί οριστικά" in response.get_data(as_text=True)
    assert len(submissions(db_session, mine.centre_id)) == 1


def test_replacing_the_minutes_asks_for_the_confirmations_again(login, db_session):
    """K-3 (ours): a confirmation is about one uploaded file; a new version needs new ones."""
    mine = own(db_session)
    manager = login("manager1")
    upload_minutes(manager, period(db_session).id)
    all_ids = mine.coordinators + mine.technical_managers
    manager.post_form("/staff-submission/confirm/", {"member": all_ids}, page=FINAL)
    upload_minutes(manager, period(db_session).id, data=pdf_bytes(pages=2), name="Πρακτικό-διορθωμένο.pdf")
    html = manager.post_form("/staff-submission/submit/", page=FINAL, follow_redirects=True).get_data(as_text=True)
    assert "δεν έχουν επιβεβαιωθεί στο πρακτικό" in html
    assert submissions(db_session, mine.centre_id) == []


@pytest.mark.parametrize("who", ["helpdesk", "admin"])
def test_final_submission_page_is_the_managers(login, who):
    client = login(who)
    if who == "helpdesk":
        assert client.get(FINAL).status_code == 403
        assert client.post_form("/staff-submission/submit/").status_code == 403
    else:  # the Admin has every permission but no centre: nothing to submit
        assert "Υπεύθυνους ΚΣΕ" in client.get(FINAL).get_data(as_text=True)
        assert client.post_form("/staff-submission/submit/").status_code == 403


def test_admin_adds_staff_to_a_centre_by_its_code(login, db_session):
    theirs = other(db_session)
    existing = db_session.get(StaffMember, theirs.coordinators[0])
    admin = login("admin")
    assert 'name="centre_code"' in admin.get(ADD).get_data(as_text=True)
    html = admin.post_form(ADD, staff_form(afm=existing.afm, centre_code="KSE00002"), page=ADD).get_data(as_text=True)
    assert "Υπάρχει ήδη μέλος του ΚΣΕ με αυτόν τον Α.Φ.Μ." in html  # unique within the typed centre
    html = admin.post_form(ADD, staff_form(afm=make_afm(55544444), centre_code="KSE99999"), page=ADD,
                           follow_redirects=True).get_data(as_text=True)
    assert "Δεν υπάρχει ΚΣΕ με κωδικό KSE99999." in html
    assert admin.post_form(ADD, staff_form(afm=make_afm(55544444), centre_code="KSE00002"), page=ADD).status_code == 302
    member = db_session.scalars(select(StaffMember).where(StaffMember.afm == make_afm(55544444))).one()
    assert member.centre_id == theirs.centre_id and member.role is StaffRole.coordinator
    edit = f"/coordinatorview/edit/{member.id}"
    assert 'value="KSE00002"' in admin.get(edit).get_data(as_text=True)


def test_admin_keeps_training_periods_and_their_windows(login, db_session):
    """K-2, K-3: the staff window and the minutes deadline are the Admin's, checked."""
    from models.centres import TrainingPeriod

    admin = login("admin")
    add = "/trainingperiodview/add"
    base = {"code": "2027-2028-A", "name": "2027-2028 Α", "starts_on": "2027-09-01", "ends_on": "2028-06-30",
            "minutes_deadline": "2027-07-15 23:59:00"}
    for extra, message in (({"staff_opens_at": "2027-06-10 09:00:00", "staff_closes_at": "2027-06-01 09:00:00"},
                            "Η λήξη του διαστήματος αλλαγών προσωπικού πρέπει να είναι μετά την έναρξή του."),
                           ({"staff_opens_at": "2027-06-10 09:00:00"}, "Δώστε και την έναρξη και τη λήξη"),
                           ({"ends_on": "2027-01-01"}, "Η περίοδος δεν μπορεί να λήγει πριν αρχίσει.")):
        html = admin.post_form(add, {**base, **extra}, page=add, follow_redirects=True).get_data(as_text=True)
        assert message in html, message
    assert db_session.scalars(select(TrainingPeriod).where(TrainingPeriod.code == "2027-2028-A")).first() is None
    response = admin.post_form(add, {**base, "staff_opens_at": "2027-06-01 09:00:00",
                                     "staff_closes_at": "2027-06-30 15:00:00"}, page=add)
    assert response.status_code == 302
    created = db_session.scalars(select(TrainingPeriod).where(TrainingPeriod.code == "2027-2028-A")).one()
    assert created.staff_closes_at == dt.datetime(2027, 6, 30, 15, 0)
    assert login("manager1").post_form(add, base, page="/").status_code == 403
