"""Fidelity to the centre MIS manual (seed 000): each difference the usability review
found, resolved as the manual says, with its test."""
import io

from pypdf import PdfReader
from sqlalchemy import select

from tests.test_account_recovery import outbox
from tests.test_usability_home import text_of


def test_login_page_says_eisodos_and_recover_credentials(client):
    """Manual 4.1: «Είσοδος» (not «Σύνδεση») and «Ανάκτηση Κωδικών»; FAB's Greek had
    «των κωδικό πρόσβασης»."""
    html = client.get("/login/").get_data(as_text=True)
    assert "<title>Είσοδος · " in html
    body = text_of(html)
    assert "Είσοδος" in body and "Ανάκτηση κωδικών" in body
    assert "Σύνδεση" not in body and "των κωδικό" not in body


def test_menus_have_the_manuals_three_levels_and_labels(login):
    """Manual 4.2, 5: «Διαχείριση πόρων ΚΣΕ → Αίθουσες → Διαχείριση Αιθουσών»,
    «… → Προσωπικό Συντονισμού → Διαχείριση Προσωπικού Συντονισμού», «… → Τεχνικοί
    Υπεύθυνοι → Διαχείριση τεχνικών υπευθύνων», «… → Οριστική υποβολή → Οριστική υποβολή
    αίτησης αλλαγών στελεχικού δυναμικού»."""
    html = login("manager1").get("/").get_data(as_text=True)
    menu = text_of(html[html.index("Διαχείριση πόρων ΚΣΕ"):html.index("Προγράμματα Επιμόρφωσης")])
    expected = ["Αίθουσες", "Διαχείριση Αιθουσών", "Προσωπικό Συντονισμού", "Διαχείριση Προσωπικού Συντονισμού",
                "Τεχνικοί Υπεύθυνοι", "Διαχείριση τεχνικών υπευθύνων", "Πρακτικό Συλλόγου Διδασκόντων",
                "Οριστική υποβολή", "Οριστική υποβολή αίτησης αλλαγών στελεχικού δυναμικού"]
    positions = [menu.index(label) for label in expected]
    assert positions == sorted(positions), menu
    assert html.count('class="dropdown-header"') >= 4


def test_breadcrumbs_follow_the_three_levels(login):
    body = text_of(login("manager1").get("/roomview/list/").get_data(as_text=True))
    assert "Αρχική Διαχείριση πόρων ΚΣΕ Αίθουσες Διαχείριση Αιθουσών" in body


def test_a2_is_signed_by_the_centre_manager(app, login):
    """Manual 3: «Ο Υπεύθυνος ΚΣΕ εκτυπώνει, υπογράφει και σφραγίζει το έντυπο» (K-8): the
    signature box names «Ο Υπεύθυνος ΚΣΕ», not the legal representative."""
    from models.calls import Application, ApplicationStatus
    from models.centres import Centre

    with app.app_context():
        session = app.appbuilder.session
        app_id = session.scalar(select(Application.id).join(Centre).where(
            Centre.code == "KSE00001", Application.status == ApplicationStatus.final))
        session.remove()
    pdf = login("manager1").get(f"/a2documentview/pdf/{app_id}")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Ο Υπεύθυνος ΚΣΕ" in text
    assert "Ο Νόμιμος Εκπρόσωπος" not in text


def test_categories_are_written_with_greek_letters(login):
    """Manual 4.3: «κατηγορία ΙΙa / ΙΙb» in Greek letters, not Latin «IIa»."""
    body = text_of(login("admin").get("/calls/annex_a_import_help" if False else "/annexa/list/").get_data(as_text=True))
    assert "IIa" not in body and "IIb" not in body
    assert "ΙΙa" in body


def test_every_centre_is_mailed_its_lottery_result(app):
    """Manual 4.4: after the lottery each centre that applied is told whether it was
    selected, for which clusters and categories."""
    from app import calls as service
    from models.calls import Application, ApplicationStatus, Call, LotteryAllocation

    with app.app_context():
        session = app.appbuilder.session
        call = session.scalar(select(Call).where(Call.code == "B2-DEMO-CLOSED"))
        service.run_lottery(session, call.id)
        assert outbox(app) == []  # the lottery itself sends nothing; the mail job does
        sent = service.notify_lottery_results(session, call.id)
        finals = session.scalars(select(Application.centre_id).where(
            Application.call_id == call.id, Application.status == ApplicationStatus.final)).all()
        winners = set(session.scalars(select(LotteryAllocation.centre_id).where(LotteryAllocation.call_id == call.id)))
        session.remove()
    messages = outbox(app)
    assert sent == len(finals) == len(messages) and len(finals) >= 2
    to_manager1 = [m for m in messages if "manager1@example.gr" in m["To"]]
    assert len(to_manager1) == 1
    body = to_manager1[0].get_content()
    assert "Αποτέλεσμα κλήρωσης" in to_manager1[0]["Subject"]
    assert ("επιλέχθηκε" in body) and ("ΙΙa" in body or "ΙΙb" in body or "δεν επιλέχθηκε" in body)
    selected = sum("επιλέχθηκε να υλοποιήσει" in m.get_content() for m in messages)
    assert selected == len(winners)


def test_the_lottery_job_queues_the_result_mails(app, login):
    from tests.test_calls_lottery import build_fixed_call

    with app.app_context():
        call_id = build_fixed_call(app.appbuilder.session)
        app.appbuilder.session.remove()
    admin = login("admin")
    admin.post_form(f"/callview/action/run_lottery/{call_id}", follow_redirects=True)
    with app.app_context():
        from models.jobs import Job

        kinds = {j.kind: j.state.value for j in app.appbuilder.session.scalars(select(Job))}
        app.appbuilder.session.remove()
    assert kinds == {"lottery": "succeeded", "lottery_mail": "succeeded"}


def test_a_call_with_applications_offers_no_delete(app, login):
    """No action offered that the state forbids: the demo calls have applications (one
    also its lottery) and cannot be deleted, so their rows show no «Διαγραφή»; a new
    empty call still can."""
    from app import calls as service
    from models.calls import Call

    admin = login("admin")
    html = admin.get("/callview/list/").get_data(as_text=True)
    with app.app_context():
        session = app.appbuilder.session
        ids = session.scalars(select(Call.id)).all()
        forbidden = service.undeletable_call_ids(session)
        session.remove()
    assert forbidden and forbidden <= set(ids)
    for pk in ids:
        assert (f"/callview/delete/{pk}" in html) == (pk not in forbidden), pk


def test_staff_changes_are_open_while_a_call_of_the_period_accepts_applications(login, db_session):
    """Manual 5 (K-2): the manager edits the staff «για το χρονικό διάστημα που
    υποβάλλονται προτάσεις στο πλαίσιο της εκάστοτε Πρόσκλησης»: with the Admin's staff
    window closed, the open demo call of the period still opens the staff list; once the
    call closes too, the list is read-only."""
    import datetime as dt

    from tests.centres_support import close_calls, set_window

    set_window(db_session, opens=dt.timedelta(days=-30), closes=dt.timedelta(minutes=-1))
    manager = login("manager1")
    html = manager.get("/coordinatorview/list/").get_data(as_text=True)
    assert 'id="staff-readonly"' not in html and "/coordinatorview/add" in html
    close_calls(db_session)
    html = manager.get("/coordinatorview/list/").get_data(as_text=True)
    assert 'id="staff-readonly"' in html and "/coordinatorview/add" not in html


def test_a_call_needs_its_declarations(login, app):
    """Manual 4.3 (K-5): the declarations (Annex Γ) accompany every call and must be
    accepted before «Καταχώριση επιλογών»: a call without any is refused, on creation and
    on edit."""
    import datetime as dt

    from models.calls import Call
    from models.centres import TrainingPeriod

    with app.app_context():
        session = app.appbuilder.session
        period_id = session.scalar(select(TrainingPeriod.id))
        session.remove()
    admin = login("admin")
    now = dt.datetime.now()
    form = {"code": "B2-NO-DECL", "title": "Χωρίς δηλώσεις", "training_period": str(period_id),
            "opens_at": f"{now + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S}",
            "closes_at": f"{now + dt.timedelta(days=30):%Y-%m-%d %H:%M:%S}",
            "required_clusters": "13", "max_programmes_per_centre": "2", "declarations": "  \n "}
    refused = admin.post_form("/callview/add", form, page="/callview/add", follow_redirects=True)
    assert "δηλώσεις" in text_of(refused.get_data(as_text=True))
    with app.app_context():
        assert app.appbuilder.session.scalar(select(Call.id).where(Call.code == "B2-NO-DECL")) is None
        app.appbuilder.session.remove()
    form["declarations"] = "Το ΚΣΕ πληροί τις τεχνικές προδιαγραφές του Παραρτήματος Γ."
    assert admin.post_form("/callview/add", form, page="/callview/add").status_code == 302
    with app.app_context():
        new = app.appbuilder.session.scalar(select(Call).where(Call.code == "B2-NO-DECL"))
        assert new is not None and new.declaration_list()
        app.appbuilder.session.remove()


def test_workstations_are_view_only_for_the_centre_manager(login, db_session):
    """Manual 4.2 («Επισκόπηση στοιχείων διαθέσιμων πόρων»): the manager sees the rooms and,
    through the counts, the workstations and their specs; nothing to add, edit or delete.
    The permission is not granted (app.roles), so the server refuses too; the Admin keeps
    every button."""
    from sqlalchemy import func

    from models.centres import Workstation
    from tests.centres_support import own

    mine = own(db_session)
    manager = login("manager1")
    listing = manager.get(f"/workstationview/list/?_flt_0_room_id={mine.room_ids[0]}").get_data(as_text=True)
    assert any(code in listing for code in db_session.scalars(
        select(Workstation.inventory_code).where(Workstation.room_id == mine.room_ids[0])))
    show = manager.get(f"/workstationview/show/{mine.uncertified_ws[0]}").get_data(as_text=True)
    for html in (listing, show):
        assert "/workstationview/add" not in html and "/workstationview/edit/" not in html
        assert "/workstationview/delete/" not in html
    before = db_session.scalar(select(func.count()).select_from(Workstation))
    ws = mine.uncertified_ws[0]
    assert manager.get("/workstationview/add").status_code == 403
    assert manager.post_form("/workstationview/add", {"room": mine.room_ids[0], "inventory_code": "ΝΕΟ-Χ"},
                             page="/workstationview/list/").status_code == 403
    assert manager.get(f"/workstationview/edit/{ws}").status_code == 403
    assert manager.post_form(f"/workstationview/edit/{ws}", {"room": mine.room_ids[0], "inventory_code": "Χ"},
                             page="/workstationview/list/").status_code == 403
    assert manager.post_form(f"/workstationview/delete/{ws}", page="/workstationview/list/").status_code == 403
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Workstation)) == before
    admin = login("admin").get(f"/workstationview/list/?_flt_0_room_id={mine.room_ids[0]}").get_data(as_text=True)
    assert "/workstationview/add" in admin and "/workstationview/edit/" in admin
