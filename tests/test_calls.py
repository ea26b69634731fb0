"""Calls, Annex A, expression of interest and Form A2 over HTTP (rules K-4…K-8).

Each test names the rule it proves. The lottery's persistence is in
test_calls_lottery.py, the real browser in test_calls_browser.py.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from sqlalchemy import select

from app.errors import Refused
from tests.calls_helpers import (
    closed_window, cluster_ids, count, make_call, now_local, pdf_text, rank_form, version_of,
)

EOI = "/expression-of-interest"


def ids(app):
    with app.app_context():
        from models.calls import Call
        from models.centres import Centre

        session = app.appbuilder.session
        out = dict(session.execute(select(Call.code, Call.id)).tuples().all())
        out.update(session.execute(select(Centre.code, Centre.id)).tuples().all())
        out["clusters"] = cluster_ids(session)
        session.remove()
        return out


# --- K-4: calls and Annex A ---------------------------------------------------------------------
GOOD_CSV = "cluster,category,area,programmes\nΒ2.1,IIa,52,3\nB2.2;IIb;1;2\n".replace(";", ",")
BAD_CSV = (
    "cluster,category,area,programmes\n"
    "Β2.1,IIa,52,3\n"
    "Β2.99,IIa,52,1\n"     # line 3: unknown cluster
    "Β2.1,IIa,99,1\n"      # line 4: unknown prefecture
    "Β2.1,IIb,77,1\n"      # line 5: unknown region
    "Β2.2,IIa,71,-2\n"     # line 6: negative count
    "Β2.1,IIa,52,1\n"      # line 7: duplicate of line 2
    "Β2.3,IIa,10,1\n"      # line 8: IIa with a region code
    "Β2.3,IIb,52,1\n"      # line 9: IIb with a prefecture code
)


def test_admin_creates_call_gets_commitment_and_imports_annex_a_all_or_nothing(app, login):
    """K-4: a call with its training period and dates; Annex A from CSV, refused as a whole
    with line-numbered messages (nothing imported), then imported and shown, exported as
    CSV (re-importable) and PDF (Greek legible)."""
    admin = login("admin")
    now = now_local()
    with app.app_context():
        from models.calls import TrainingPeriod

        period_id = app.appbuilder.session.scalar(select(TrainingPeriod.id))
    response = admin.post_form("/callview/add", {
        "code": "B2-TEST-1", "title": "Δοκιμαστική πρόσκληση", "training_period": str(period_id),
        "opens_at": (now.replace(microsecond=0) + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S"),
        "closes_at": (now.replace(microsecond=0) + dt.timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S"),
        "required_clusters": "13", "max_programmes_per_centre": "2", "declarations": "Δήλωση Α\nΔήλωση Β",
    }, page="/callview/add")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    call_id = ids(app)["B2-TEST-1"]
    with app.app_context():
        from models.calls import AnnexACell, Call

        call = app.appbuilder.session.get(Call, call_id)
        assert len(call.lottery_commitment) == 64 and call.lottery_secret_sealed.startswith("v1$")

    bad = admin.post_form(f"/annexa/import/{call_id}", {"file": (io.BytesIO(BAD_CSV.encode()), "annex.csv")},
                          page=f"/annexa/import/{call_id}", content_type="multipart/form-data")
    assert bad.status_code == 400
    messages = re.findall(r"<li>(Γραμμή (\d+): [^<]*)</li>", bad.get_data(as_text=True))
    by_line = {int(line): text for text, line in messages}
    expected = {3: "Β2.99", 4: "99", 5: "77", 6: "-2", 7: "γραμμή 2", 8: "10", 9: "52"}
    assert set(by_line) == set(expected), bad.get_data(as_text=True)[-2500:]
    for line, fragment in expected.items():
        assert fragment in by_line[line], (line, by_line[line])
    with app.app_context():
        assert count(app.appbuilder.session, AnnexACell, AnnexACell.call_id == call_id) == 0  # nothing imported

    good = admin.post_form(f"/annexa/import/{call_id}", {"file": (io.BytesIO(GOOD_CSV.encode("utf-8-sig")), "annex.csv")},
                           page=f"/annexa/import/{call_id}", content_type="multipart/form-data")
    assert good.status_code == 302
    table = admin.get(f"/annexa/list/?call={call_id}").get_data(as_text=True)
    assert "Δράμας" in table and "Ανατολικής Μακεδονίας και Θράκης" in table
    exported = admin.get(f"/annexa/export/?call={call_id}")
    assert exported.status_code == 200
    csv_text = exported.get_data().decode("utf-8-sig")
    assert "Β2.1,IIa,52,3" in csv_text and "Β2.2,IIb,1,2" in csv_text
    # The export imports back unchanged.
    again = admin.post_form(f"/annexa/import/{call_id}", {"file": (io.BytesIO(exported.get_data()), "annex.csv")},
                            page=f"/annexa/import/{call_id}", content_type="multipart/form-data")
    assert again.status_code == 302
    assert admin.get(f"/annexa/export/?call={call_id}").get_data() == exported.get_data()
    pdf = admin.get(f"/annexa/pdf/?call={call_id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.get_data())
    assert "Πίνακας Γεωγραφικής Κατανομής Προγραμμάτων Επιμόρφωσης" in text
    assert "Δράμας" in text and "Β2.1" in text


def test_annex_a_is_fixed_once_the_call_opens_and_only_admin_imports(app, login):
    """K-4 / lottery.md: the lottery's inputs do not move after the opening."""
    call_id = ids(app)["B2-DEMO-OPEN"]
    admin = login("admin")
    refused = admin.post_form(f"/annexa/import/{call_id}", {"file": (io.BytesIO(GOOD_CSV.encode()), "a.csv")},
                              page=f"/annexa/import/{call_id}", content_type="multipart/form-data")
    assert refused.status_code == 400
    with app.app_context():
        from models.calls import AnnexACell

        before = count(app.appbuilder.session, AnnexACell, AnnexACell.call_id == call_id)
    assert before > 20  # the demo Annex A is still there, untouched
    for user in ("manager1", "helpdesk"):
        client = login(user)
        assert client.get(f"/annexa/list/?call={call_id}").status_code == 200
        assert client.get(f"/annexa/import/{call_id}").status_code == 403
        assert client.post_form(f"/annexa/import/{call_id}", {"file": (io.BytesIO(GOOD_CSV.encode()), "a.csv")},
                                content_type="multipart/form-data").status_code == 403


def test_commitment_shown_from_opening_secret_never_readable(app, login):
    """lottery.md step 1: the commitment is public from the opening on; the secret is in no
    page, no CSV, no audit entry before the run."""
    from app import calls as service
    from models.audit import AuditEntry
    from models.calls import Call

    with app.app_context():
        session = app.appbuilder.session
        future = make_call(session, "B2-FUTURE", opens=now_local().replace(microsecond=0) + dt.timedelta(days=5),
                           closes=now_local().replace(microsecond=0) + dt.timedelta(days=9))
        future_id = future.id
        open_call = session.scalar(select(Call).where(Call.code == "B2-DEMO-OPEN"))
        open_id, commitment = open_call.id, open_call.lottery_commitment
        secret = service.reveal_secret(open_call)
        sealed = open_call.lottery_secret_sealed
        audit_rows = [a.changes or "" for a in session.scalars(select(AuditEntry).where(AuditEntry.table_name == "call"))]
    assert audit_rows and all(secret not in row and sealed not in row for row in audit_rows)
    assert any('"lottery_secret_sealed": [null, "***"]' in row for row in audit_rows)

    manager = login("manager1")
    page = manager.get(f"/callview/show/{open_id}").get_data(as_text=True)
    assert commitment in page
    assert 'id="lottery-commitment-pending"' in manager.get(f"/callview/show/{future_id}").get_data(as_text=True)
    admin = login("admin")
    seen = "".join(client.get(url).get_data(as_text=True) for client in (admin, manager)
                   for url in (f"/callview/show/{open_id}", "/callview/list/", "/callview/export/",
                               f"/callview/edit/{open_id}", "/auditentryview/list/?psize_AuditEntryView=100"))
    assert secret not in seen and sealed not in seen
    assert admin.get(f"/callview/bundle/{open_id}").status_code == 404  # nothing to reveal before the run


# --- K-5…K-8: the application of a centre --------------------------------------------------------
def test_manager_applies_without_javascript_from_empty_to_final_and_a2(app, login):
    """K-5 (declarations before saving), K-6 (all 13 ranked or refused), K-7 (Yes/No, final is
    read-only, one random number = the lottery ticket), K-8 (Form A2 in PDF, listed)."""
    from app import calls as service
    from app.rules import lottery
    from models.calls import Application, Call

    known = ids(app)
    call_id, clusters = known["B2-DEMO-OPEN"], known["clusters"]
    manager = login("manager1")
    page = manager.get(f"{EOI}/{call_id}/").get_data(as_text=True)
    assert 'id="dual-list"' in page and 'name="rank_' in page and "KSE00001" in page

    # K-5: no "Save choices" without every declaration accepted; the input is kept.
    refused = manager.post_form(f"{EOI}/{call_id}/save", rank_form(clusters[:5], declarations=1, version="", centre="KSE00001"))
    assert refused.status_code == 400
    assert "Αποδεχθείτε κάθε δήλωση («Συμφωνώ»)" in refused.get_data(as_text=True)
    with app.app_context():
        assert count(app.appbuilder.session, Application, Application.call_id == call_id) == 0

    # A first draft with 5 clusters, then K-6: the final submission is refused.
    saved = manager.post_form(f"{EOI}/{call_id}/save", rank_form(clusters[:5], version="", centre="KSE00001"))
    assert saved.status_code == 303
    page = manager.get(f"{EOI}/{call_id}/").get_data(as_text=True)
    version = version_of(page)
    confirm = manager.post_form(f"{EOI}/{call_id}/submit", {"version": version, "centre": "KSE00001"})
    assert confirm.status_code == 200 and 'id="confirm-yes"' in confirm.get_data(as_text=True)  # K-7: Yes/No first
    short = manager.post_form(f"{EOI}/{call_id}/submit", {"version": version, "centre": "KSE00001", "confirm": "yes"},
                              follow_redirects=True)
    assert "απαιτεί και τις 13 συστάδες κατά σειρά προτίμησης· έχετε κατατάξει 5" in short.get_data(as_text=True)

    # All 13, in a chosen order (reversed), saved twice: the draft history changes nothing.
    order = list(reversed(clusters))
    for ranking in (clusters, order):
        response = manager.post_form(f"{EOI}/{call_id}/save", rank_form(ranking, version=version, centre="KSE00001"))
        assert response.status_code == 303
        version = version_of(manager.get(f"{EOI}/{call_id}/").get_data(as_text=True))
    done = manager.post_form(f"{EOI}/{call_id}/submit", {"version": version, "centre": "KSE00001", "confirm": "yes"})
    assert done.status_code == 303
    page = manager.get(f"{EOI}/{call_id}/").get_data(as_text=True)
    assert 'id="final-application"' in page and 'id="choices-form"' not in page  # read-only now

    with app.app_context():
        session = app.appbuilder.session
        call = session.get(Call, call_id)
        application = session.scalar(select(Application).where(Application.call_id == call_id))
        expected = lottery.ticket(service.reveal_secret(call), call.code, "KSE00001")
        assert (application.ticket, application.random_number) == expected  # lottery.md step 2
        assert [c.cluster_id for c in application.choices] == order
        number, a2_id = application.random_number, application.id
        names = [c.cluster.name_el for c in application.choices]
    assert f'id="random-number" class="eoi-number">{number}<' in page

    # K-8: listed under the documents menu, a PDF with the Greek cluster names and the number.
    listing = manager.get("/a2documentview/list/").get_data(as_text=True)
    assert f"/a2documentview/pdf/{a2_id}" in listing
    pdf = manager.get(f"/a2documentview/pdf/{a2_id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.get_data())
    assert number in text and "ΕΝΤΥΠΟ Α2" in text and "KSE00001" in text
    for name in names:
        assert name in text, name
    assert "(υπογραφή)" in text and "Σφραγίδα" in text and "Συμφωνώ" in text

    # K-7: a final application cannot be edited or submitted again; the ticket never moves.
    again = manager.post_form(f"{EOI}/{call_id}/save", rank_form(clusters, version=version, centre="KSE00001"))
    assert again.status_code == 400
    with app.app_context():
        from models.reference import Cluster

        codes = dict(app.appbuilder.session.execute(select(Cluster.id, Cluster.code)).all())
    shown = re.findall(r'<li data-code="([^"]+)">', again.get_data(as_text=True))
    assert shown == [codes[cid] for cid in order]  # the stored final choices, not the refused post
    twice = manager.post_form(f"{EOI}/{call_id}/submit", {"version": version, "centre": "KSE00001", "confirm": "yes"})
    assert twice.status_code == 303
    with app.app_context():
        session = app.appbuilder.session
        application = session.scalar(select(Application).where(Application.call_id == call_id))
        assert (application.ticket, application.random_number) == expected
        assert [c.cluster_id for c in application.choices] == order


def test_two_tabs_submitting_the_same_application_give_one_final(app, login):
    """K-7: of two tabs posting the same final submission, one wins; the other is told."""
    from models.audit import AuditEntry
    from models.calls import Application

    known = ids(app)
    call_id = known["B2-DEMO-OPEN"]
    tab1, tab2 = login("manager2"), login("manager2")
    tab1.post_form(f"{EOI}/{call_id}/save", rank_form(known["clusters"], version="", centre="KSE00002"))
    version = version_of(tab1.get(f"{EOI}/{call_id}/").get_data(as_text=True))
    assert version_of(tab2.get(f"{EOI}/{call_id}/").get_data(as_text=True)) == version
    form = {"version": version, "centre": "KSE00002", "confirm": "yes"}
    first = tab1.post_form(f"{EOI}/{call_id}/submit", form, follow_redirects=True)
    second = tab2.post_form(f"{EOI}/{call_id}/submit", form, follow_redirects=True)
    assert "Η οριστική υποβολή ολοκληρώθηκε" in first.get_data(as_text=True)
    assert "Η αίτηση έχει ήδη υποβληθεί οριστικά" in second.get_data(as_text=True)
    with app.app_context():
        session = app.appbuilder.session
        finals = list(session.scalars(select(Application).where(Application.call_id == call_id)))
        assert len(finals) == 1 and finals[0].is_final and finals[0].a2_pdf
        submissions = count(session, AuditEntry, AuditEntry.action == "action:final_submission")
        assert submissions == 1


def test_stale_tab_cannot_overwrite_a_newer_draft(app, login):
    """K-7: a save from a tab showing an older version is refused, not silently applied."""
    from models.calls import Application

    known = ids(app)
    call_id, clusters = known["B2-DEMO-OPEN"], known["clusters"]
    tab1, tab2 = login("manager1"), login("manager1")
    tab1.post_form(f"{EOI}/{call_id}/save", rank_form(clusters[:3], version="", centre="KSE00001"))
    stale = tab2.post_form(f"{EOI}/{call_id}/save", rank_form(clusters[3:6], version="", centre="KSE00001"))
    assert stale.status_code == 400
    with app.app_context():
        application = app.appbuilder.session.scalar(select(Application).where(Application.call_id == call_id))
        assert [c.cluster_id for c in application.choices] == clusters[:3]


def test_forged_ids_and_other_roles_are_refused(app, login):
    """K-7 ('only one final application per centre', the centre from the account): another
    centre's page, application, form or A2 is out of reach; the help desk reads, never writes."""
    known = ids(app)
    call_id, closed_id = known["B2-DEMO-OPEN"], known["B2-DEMO-CLOSED"]
    manager1, manager2 = login("manager1"), login("manager2")
    manager1.post_form(f"{EOI}/{call_id}/save", rank_form(known["clusters"], version="", centre="KSE00001"))
    with app.app_context():
        from models.calls import Application

        session = app.appbuilder.session
        a2_other = session.scalar(select(Application.id).where(Application.call_id == closed_id,
                                                               Application.centre_id == known["KSE00001"]))
        draft = session.scalar(select(Application).where(Application.call_id == call_id))
        draft_version, draft_choices = draft.version, [c.cluster_id for c in draft.choices]

    assert manager2.get(f"{EOI}/{call_id}/?centre={known['KSE00001']}").status_code == 404
    # A form forged for centre KSE00001 by manager2.
    assert manager2.post_form(f"{EOI}/{call_id}/save", rank_form(known["clusters"][:2], version="", centre="KSE00001")).status_code == 403
    assert manager2.post_form(f"{EOI}/{call_id}/submit", {"version": str(draft_version), "centre": "KSE00001",
                                                         "confirm": "yes"}).status_code == 403
    assert manager2.get(f"/a2documentview/pdf/{a2_other}").status_code == 404
    assert manager2.get(f"/a2documentview/show/{a2_other}").status_code == 404
    assert manager1.get(f"/a2documentview/pdf/{a2_other}").status_code == 200  # the demo's own A2, rendered
    # K-11: the help desk reads any centre's application and A2, changes nothing.
    helpdesk = login("helpdesk")
    view = helpdesk.get(f"{EOI}/{call_id}/?centre={known['KSE00001']}").get_data(as_text=True)
    assert "KSE00001" in view and 'id="choices-form"' not in view and 'id="draft-choices"' in view
    assert helpdesk.get(f"/a2documentview/pdf/{a2_other}").status_code == 200
    assert helpdesk.post_form(f"{EOI}/{call_id}/save", rank_form(known["clusters"], version="", centre="KSE00001")).status_code == 403
    assert helpdesk.post_form(f"{EOI}/{call_id}/submit", {"version": "1", "confirm": "yes"}).status_code == 403
    assert login("admin").post_form(f"{EOI}/{call_id}/save", rank_form(known["clusters"], version="")).status_code == 403
    assert login("committee").get(f"{EOI}/").status_code == 403
    with app.app_context():
        draft = app.appbuilder.session.scalar(select(Application).where(Application.call_id == call_id))
        assert draft.version == draft_version and [c.cluster_id for c in draft.choices] == draft_choices
        assert not draft.is_final
        # A manager account not linked to any centre sees no centre's application.
        from models.users import AppUser

        session = app.appbuilder.session
        session.scalar(select(AppUser).where(AppUser.username == "manager2")).centre_id = None
        session.commit()
    assert manager2.get(f"{EOI}/{call_id}/").status_code == 403
    assert manager2.get(f"{EOI}/{call_id}/?centre={known['KSE00001']}").status_code == 404


def test_no_change_or_submission_after_the_close_date(app, login):
    """K-7 / call dates: once closed, a draft can be neither saved nor submitted."""
    from models.calls import Application, Call

    known = ids(app)
    call_id = known["B2-DEMO-OPEN"]
    manager = login("manager1")
    manager.post_form(f"{EOI}/{call_id}/save", rank_form(known["clusters"], version="", centre="KSE00001"))
    version = version_of(manager.get(f"{EOI}/{call_id}/").get_data(as_text=True))
    with app.app_context():
        session = app.appbuilder.session
        call = session.get(Call, call_id)
        call.opens_at, call.closes_at = closed_window()["opens"], closed_window()["closes"]
        session.commit()
    late = manager.post_form(f"{EOI}/{call_id}/submit", {"version": version, "centre": "KSE00001", "confirm": "yes"},
                             follow_redirects=True)
    assert "Η πρόσκληση έχει λήξει" in late.get_data(as_text=True)
    assert manager.post_form(f"{EOI}/{call_id}/save", rank_form(known["clusters"][:1], version=version,
                                                                centre="KSE00001")).status_code == 400
    with app.app_context():
        application = app.appbuilder.session.scalar(select(Application).where(Application.call_id == call_id))
        assert not application.is_final and application.ticket is None


def test_call_settings_freeze_at_opening(app, login):
    """lottery.md: nothing that feeds the lottery changes once the call is open; the code
    (in every ticket) never changes."""
    from models.calls import Call

    known = ids(app)
    admin = login("admin")
    call_id = known["B2-DEMO-OPEN"]
    with app.app_context():
        from models.calls import TrainingPeriod

        session = app.appbuilder.session
        call = session.get(Call, call_id)
        period_id = call.training_period_id
        other = TrainingPeriod(code="OTHER", name="Άλλη περίοδος", starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 6, 1))
        session.add(other)
        session.commit()
        current = {"title": call.title, "training_period": str(period_id), "opens_at": f"{call.opens_at:%Y-%m-%d %H:%M:%S}",
                   "closes_at": f"{call.closes_at:%Y-%m-%d %H:%M:%S}", "required_clusters": "13",
                   "max_programmes_per_centre": str(call.max_programmes_per_centre), "declarations": call.declarations}
        other_id, closes = other.id, call.closes_at
        session.remove()

    def edit(**changes):
        return admin.post_form(f"/callview/edit/{call_id}", {**current, **changes}, page=f"/callview/edit/{call_id}",
                               follow_redirects=True).get_data(as_text=True)

    assert "Η πρόσκληση είναι ανοικτή" in edit(title="x", opens_at="2020-01-01 00:00:00", required_clusters="5")
    assert "Η πρόσκληση είναι ανοικτή" in edit(training_period=str(other_id))
    assert "Η πρόσκληση είναι ανοικτή" in edit(declarations="Άλλη δήλωση")
    later = closes + dt.timedelta(days=3)
    assert "Η πρόσκληση είναι ανοικτή" not in edit(title="Νέος τίτλος", closes_at=f"{later:%Y-%m-%d %H:%M:%S}")
    with app.app_context():
        session = app.appbuilder.session
        call = session.get(Call, call_id)
        assert (call.required_clusters, call.training_period_id, call.title, call.closes_at) == (13, period_id, "Νέος τίτλος", later)
        call.code = "RENAMED"
        with pytest.raises(ValueError):
            session.commit()
        session.rollback()


def test_demo_closed_call_has_a_final_application_per_centre(app):
    """Demo data: B2-DEMO-CLOSED has closed with one final application per demo centre
    (`flask demo load --centres N` gives N) and the lottery not yet run."""
    from app import calls as service
    from models.calls import Application, ApplicationStatus, Call
    from models.centres import Centre

    with app.app_context():
        session = app.appbuilder.session
        call = session.scalar(select(Call).where(Call.code == "B2-DEMO-CLOSED"))
        assert service.phase_of(call).value == "closed" and call.lottery_run_at is None
        finals = count(session, Application, Application.call_id == call.id, Application.status == ApplicationStatus.final)
        assert finals == count(session, Centre) == 6
        for application in session.scalars(select(Application).where(Application.call_id == call.id)):
            assert len(application.choices) == 13
            assert (application.ticket, application.random_number) == service.lottery.ticket(
                service.reveal_secret(call), call.code, application.centre.code)


def test_secret_sealing_binds_key_and_call(app):
    """lottery.md step 1: the stored secret is sealed; another key or another call cannot open it."""
    from app import calls as service
    from models.calls import Call

    with app.app_context():
        session = app.appbuilder.session
        call = session.scalar(select(Call).where(Call.code == "B2-DEMO-OPEN"))
        secret = service.reveal_secret(call)
        assert secret not in call.lottery_secret_sealed
        app.config["LOTTERY_SECRET_KEY"] = "another key"
        with pytest.raises(Refused):
            service.reveal_secret(call)
    json.dumps(secret)  # a plain hex string
