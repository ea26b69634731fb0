"""Concurrency proof on PostgreSQL (issue #13), through real gunicorn worker processes:
many centres make their final submission at once, each twice at the same moment ->
exactly one final submission and one ticket each (K-7); a lottery racing a late
submission -> the submission is in the draw or refused, never half (K-9); two lotteries
at once -> one runs, the other is refused. Small here (CI); `make bench` runs it with
SCALE_CENTRES=50."""
from __future__ import annotations

import datetime as dt
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.errors import Refused
from tests.conftest import LOTTERY_SECRET_KEY, PASSWORD
from tests.scale_http import Browser, gunicorn, managers_with_drafts

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="the proof is about PostgreSQL's locking through several worker processes")
CENTRES = int(os.environ.get("SCALE_CENTRES", "8"))


def _overrides(app) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
            "LOTTERY_SECRET_KEY": LOTTERY_SECRET_KEY, "RATELIMIT_ENABLED": False, "JOBS_QUEUE_URL": "immediate",
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]}


def test_centres_submitting_at_once_twice_each_get_one_submission_and_one_ticket(app):
    from models.audit import AuditEntry
    from models.calls import Application, ApplicationStatus

    call_id, managers = managers_with_drafts(app, CENTRES, PASSWORD)
    with gunicorn(_overrides(app), workers=3) as base:
        def prepare(account):
            browser = Browser(base)
            browser.login(account[0], PASSWORD)
            _status, page = browser.request(f"/expression-of-interest/{call_id}/")
            version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
            return browser, {"csrf_token": browser.token(page), "version": version, "confirm": "yes",
                             "centre": account[1]}

        with ThreadPoolExecutor(max_workers=16) as pool:
            prepared = list(pool.map(prepare, managers))
        start = threading.Barrier(len(prepared) * 2, timeout=120)

        def submit(item):
            browser, form = item
            start.wait()  # every centre's two submissions leave together
            return browser.request(f"/expression-of-interest/{call_id}/submit", form)[0]

        with ThreadPoolExecutor(max_workers=len(prepared) * 2) as pool:
            statuses = list(pool.map(submit, [p for p in prepared for _twice in (1, 2)]))
    assert all(status == 200 for status in statuses), statuses  # refusals are pages, never a 500
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(select(Application.status, Application.ticket, Application.random_number)
                               .where(Application.call_id == call_id, Application.centre_id.in_(
                                   select(Application.centre_id).join(Application.centre)
                                   .where(Application.call_id == call_id)))).all()
        race = [r for r in rows if r.ticket is not None]
        assert len(race) == CENTRES and all(r.status is ApplicationStatus.final for r in race)
        assert len({r.ticket for r in race}) == CENTRES
        assert session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "action:final_submission")) == CENTRES
        session.remove()


def test_a_lottery_racing_a_late_submission_includes_it_or_refuses_it(app, monkeypatch):
    """The submission passed its checks before the close; the run starts at the close.
    Whichever commits first, the stored state is whole: final <=> in the bundle."""
    import json

    import reports.calls
    from app import calls as service
    from models.calls import Application, Call

    call_id, managers = managers_with_drafts(app, 1, PASSWORD, prefix="late")
    centre_code = managers[0][1]
    with app.app_context():
        session = app.appbuilder.session
        session.get(Call, call_id).closes_at = service.local_now() + dt.timedelta(days=1)
        session.commit()
        centre_id = session.scalar(select(Application.centre_id).join(Application.centre).where(
            Application.call_id == call_id).order_by(Application.id.desc()).limit(1))
        version = str(session.scalar(select(Application.version).where(Application.call_id == call_id,
                                                                       Application.centre_id == centre_id)))
        session.remove()
    rendering = threading.Event()
    proceed = threading.Event()
    real_pdf = reports.calls.a2_pdf

    def slow_pdf(*args, **kwargs):  # the submission is mid-transaction when the run starts
        rendering.set()
        proceed.wait(30)
        return real_pdf(*args, **kwargs)

    monkeypatch.setattr(reports.calls, "a2_pdf", slow_pdf)
    outcome = {}

    def submit():
        with app.app_context():
            try:
                service.final_submit(app.appbuilder.session, app.appbuilder.session.get(Call, call_id), centre_id,
                                     version)
                outcome["submission"] = "ok"
            except Refused as exc:
                outcome["submission"] = exc.problems[0].message
            finally:
                app.appbuilder.session.remove()

    def lottery():
        with app.app_context():
            session = app.appbuilder.session
            session.get(Call, call_id).closes_at = service.local_now() - dt.timedelta(seconds=1)  # now closed
            session.commit()
            proceed.set()
            try:
                service.run_lottery(session, call_id)
                outcome["lottery"] = "ok"
            finally:
                session.remove()

    worker = threading.Thread(target=submit)
    worker.start()
    assert rendering.wait(30)
    lottery()
    worker.join(60)
    with app.app_context():
        session = app.appbuilder.session
        app_row = session.scalar(select(Application).where(Application.call_id == call_id,
                                                           Application.centre_id == centre_id))
        bundle = json.loads(service.bundle_bytes(session, session.get(Call, call_id)))
        in_draw = centre_code in {a["centre"] for a in bundle["applications"]}
        assert outcome["lottery"] == "ok"
        assert app_row.is_final == in_draw == (outcome["submission"] == "ok"), outcome
        session.remove()


def test_two_lotteries_started_at_once_through_the_web_run_once(app):
    from models.calls import Call
    from models.jobs import Job

    with app.app_context():
        session = app.appbuilder.session
        call_id = session.scalar(select(Call.id).where(Call.code == "B2-DEMO-CLOSED"))
        session.remove()
    with gunicorn(_overrides(app), workers=3) as base:
        admins = []
        for _ in range(2):
            browser = Browser(base)
            browser.login("admin", PASSWORD)
            _s, page = browser.request(f"/callview/show/{call_id}")
            admins.append((browser, browser.token(page)))
        start = threading.Barrier(2, timeout=60)

        def run(item):
            browser, token = item
            start.wait()
            return browser.request(f"/callview/action/run_lottery/{call_id}", {"csrf_token": token})

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(run, admins))
    assert all(status == 200 for status, _ in results)
    with app.app_context():
        session = app.appbuilder.session
        jobs = session.scalars(select(Job).where(Job.kind == "lottery")).all()
        assert [j.state.value for j in jobs].count("succeeded") == 1  # one ran; the other was refused or failed
        assert session.get(Call, call_id).lottery_bundle_sha256
        session.remove()
