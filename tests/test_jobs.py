"""Background jobs (app.jobs): run for real (immediate queue in the caller's thread, and a
real Huey consumer on a SQLite queue), progress recorded, a failing job leaves the
previous state and records its error, one job per exclusive target at a time, the job
page scoped to the Admin, the help desk and whoever started the job, safe retry."""
from __future__ import annotations

import datetime as dt
import signal
import time

import pytest
from sqlalchemy import func, select

from app import audit, jobs
from app.errors import Refused

SEEN: list[dict] = []


@jobs.handler("test-count", exclusive=lambda p: f"test:{p['target']}")
def _counting_job(session, params, progress):
    """Audits one action per step and reports progress."""
    for step in range(1, params["steps"] + 1):
        audit.record_action(session, "test_job_step", table="-", record_id=str(step))
        progress(step, params["steps"])
    SEEN.append(params)
    return {"steps": params["steps"]}


@jobs.handler("test-fail")
def _failing_job(session, params, progress):
    """Writes, then fails: the write must not survive."""
    audit.record_action(session, "test_job_partial", table="-")
    session.flush()
    progress(1, 2)
    if params.get("refuse"):
        raise Refused("Refused on purpose")
    raise RuntimeError("boom")


def _count(app, action):
    from models.audit import AuditEntry

    with app.app_context():
        session = app.appbuilder.session
        n = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == f"action:{action}"))
        session.remove()
        return n


def test_a_job_runs_records_progress_and_result(app):
    with app.test_request_context():
        job = jobs.enqueue("test-count", {"target": "a", "steps": 3})
    assert job.state.value == "succeeded"
    assert (job.progress_done, job.progress_total, job.result) == (3, 3, {"steps": 3})
    assert job.started_at and job.finished_at and job.lock_key is None  # the name is free again
    assert _count(app, "test_job_step") == 3


@pytest.mark.parametrize("refuse", [False, True])
def test_a_failing_job_leaves_the_previous_state_and_records_the_error(app, refuse):
    with app.test_request_context():
        job = jobs.enqueue("test-fail", {"refuse": refuse})
    assert job.state.value == "failed" and job.finished_at is not None
    assert _count(app, "test_job_partial") == 0  # the handler's transaction rolled back
    if refuse:
        assert job.error == "Refused on purpose"
    else:  # no internal detail for the user; a reference to the job instead
        assert "boom" not in job.error and str(job.id) in job.error


def test_a_second_job_for_the_same_target_is_refused_while_one_runs(app):
    from models.jobs import Job, JobState
    from models.mixins import utcnow

    with app.app_context():
        session = app.appbuilder.session
        running = Job(kind="test-count", params={"target": "b", "steps": 1}, actor_name="x", state=JobState.running,
                      started_at=utcnow(), heartbeat_at=utcnow(), lock_key="test:b", progress_done=0)
        session.add(running)
        session.commit()
        running_id = running.id
        session.remove()
    with app.test_request_context():
        with pytest.raises(Refused) as refused:
            jobs.enqueue("test-count", {"target": "b", "steps": 1})
        assert refused.value.status == 409
        other = jobs.enqueue("test-count", {"target": "c", "steps": 1})  # another target is free
        assert other.state.value == "succeeded"
    # Its worker died: no heartbeat for longer than JOBS_STALE_AFTER -> failed, name freed.
    with app.app_context():
        session = app.appbuilder.session
        stale = utcnow() - dt.timedelta(seconds=app.config["JOBS_STALE_AFTER"] + 5)
        session.get(Job, running_id).heartbeat_at = stale
        session.commit()
        session.remove()
    with app.test_request_context():
        job = jobs.enqueue("test-count", {"target": "b", "steps": 1})
        assert job.state.value == "succeeded"
        dead = jobs.get(running_id)
        assert dead.state.value == "failed" and dead.lock_key is None and dead.error


def test_the_job_page_is_scoped_and_a_failed_job_can_be_retried(app, login):
    from models.users import User

    with app.app_context():
        committee_id = app.appbuilder.session.scalar(select(User.id).where(User.username == "committee"))
        app.appbuilder.session.remove()
    with app.test_request_context():
        job = jobs.enqueue("test-fail", {"refuse": True}, actor_id=committee_id)
    assert job.actor_name == "committee"
    committee = login("committee")
    page = committee.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Απέτυχε" in page and 'role="status"' in page and "Refused on purpose" in page
    assert committee.get(f"/jobs/{job.id}/status").get_json()["state"] == "failed"
    listed = committee.get("/jobs/list/").get_data(as_text=True)
    assert f"/jobs/{job.id}\"" in listed
    assert login("helpdesk").get(f"/jobs/{job.id}").status_code == 200
    assert 'id="job-retry"' not in login("helpdesk").get(f"/jobs/{job.id}").get_data(as_text=True)
    manager = login("manager1")  # may follow jobs, but not someone else's
    assert manager.get(f"/jobs/{job.id}").status_code == 404
    assert manager.get(f"/jobs/{job.id}/status").status_code == 404
    assert manager.post_form(f"/jobs/{job.id}/retry").status_code == 404
    assert f"/jobs/{job.id}\"" not in manager.get("/jobs/list/").get_data(as_text=True)
    assert login("evaluator1").get(f"/jobs/{job.id}").status_code == 403
    assert 'id="job-retry"' in page
    retried = committee.post_form(f"/jobs/{job.id}/retry", follow_redirects=False)
    assert retried.status_code == 303
    new = jobs_of(app, retry_of=job.id)
    assert len(new) == 1 and new[0].kind == "test-fail" and new[0].actor_id == committee_id
    again = committee.post_form(f"/jobs/{new[0].id}/retry", page=f"/jobs/{new[0].id}")
    assert again.status_code == 303


def jobs_of(app, **where):
    from models.jobs import Job

    with app.app_context():
        session = app.appbuilder.session
        rows = list(session.scalars(select(Job).filter_by(**where)))
        session.expunge_all()
        session.remove()
        return rows


def test_a_real_worker_runs_queued_jobs_from_the_sqlite_queue(app_factory, tmp_path):
    """The production path: enqueue puts the id on a Huey SQLite queue, a consumer (the
    `flask jobs worker` one, threads) claims and runs it."""
    from huey.consumer import Consumer

    app = app_factory(JOBS_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with app.test_request_context():
        job = jobs.enqueue("test-count", {"target": "w", "steps": 2})
    assert job.state.value == "queued"  # nobody consumes yet
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = Consumer(jobs.queue(app), workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        with app.app_context():
            for _ in range(600):  # wait for the worker (bounded), not a timing assert
                job = jobs.get(job.id)
                if job.finished:
                    break
                time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
        for s, handler in saved.items():
            signal.signal(s, handler)
    assert job.state.value == "succeeded" and job.result == {"steps": 2}
    assert _count(app, "test_job_step") == 2
