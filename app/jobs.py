"""Background jobs: long work (lottery, rescoring, bulk PDFs, nominal tables, mail) runs
outside the web request, on a Huey queue, with a `Job` row that says who asked, when,
its state, progress, result or error (models.jobs).

    @handler("lottery", exclusive=lambda p: f"call:{p['call_id']}")
    def lottery_job(session, params, progress):  # progress(done, total)
        ...
        return {"bundle_sha256": ...}            # stored as the job's result

    job = enqueue("lottery", {"call_id": 5}, actor_id=user.id)   # -> /jobs/<job.id>

* The row is the truth; the queue only carries its id. A worker claims a job with a
  conditional UPDATE (queued -> running), so a message delivered twice runs once.
* The handler gets a session of its own and commits its own work; if it raises (or its
  worker dies) its transaction rolls back and the previous state stays. The error is
  recorded and the job can be retried (a new job, `retry_of` the failed one).
* `exclusive` names what must not be worked on twice at once: the job holds that name in
  the unique `lock_key` column while queued or running, so a second one is refused by
  the database, on any number of hosts. A job whose worker stopped beating (died) for
  JOBS_STALE_AFTER seconds gives the name up.
* Queue: JOBS_QUEUE_URL = sqlite:///path (embedded default, one host), redis://… (several
  hosts), or `immediate` (tests: the job runs at once in the caller's thread).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast
from collections.abc import Callable

import click
from flask import Flask, current_app, g, has_app_context, has_request_context
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, CursorResult, false, select, true, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from app import audit
from app.errors import Refused
from models.jobs import Job, JobState
from models.mixins import utcnow

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger(__name__)

STATE_LABELS = {
    JobState.queued: _l("Queued"),
    JobState.running: _l("Running"),
    JobState.succeeded: _l("Completed"),
    JobState.failed: _l("Failed"),
}
UNEXPECTED = _l("The job stopped because of an unexpected error. Nothing it was doing was kept; "
                "it can be retried. Reference: job %(job)s.")
INTERRUPTED = _l("The job was interrupted (its worker stopped). Nothing it was doing was kept; it can be retried.")

Progress = Callable[[int, int | None], None]
# A job's parameters and result are JSON objects (the params column is JSON; the queue
# carries only the id): their values are whatever json.loads gives, hence Any.
Params = dict[str, Any]
JobFn = Callable[[Session, Params, Progress], object]
F = TypeVar("F", bound=JobFn)


@dataclass(frozen=True)
class Handler:
    kind: str
    fn: JobFn
    exclusive: Callable[[Params], str] | None
    label: LazyString | str
    target: Callable[[Params], tuple[str, dict[str, Any]]] | None  # (endpoint, url args) of what the job works on
    describe: Callable[[Params], str] | None  # the result in words, for the job page


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, *, exclusive: Callable[[Params], str] | None = None, label: LazyString | str | None = None,
            target: Callable[[Params], tuple[str, dict[str, Any]]] | None = None,
            describe: Callable[[Params], str] | None = None) -> Callable[[F], F]:
    """Register `fn(session, params, progress)` as the code of jobs of `kind`.

    exclusive(params) -> a name: jobs with the same name never run at once (a second
    one is refused while the first is queued or running). target(params) -> (endpoint,
    url arguments) of the page the job page links back to; describe(result) -> the
    result in words (translated) for the job page."""

    def register(fn: F) -> F:
        HANDLERS[kind] = Handler(kind, fn, exclusive, label or kind, target, describe)
        return fn

    return register


def register_handler(kind: str, fn: Callable[[Session, Params, Progress], Any], *,
                     exclusive: Callable[[Params], str] | None = None, label: Any = None,
                     target: Callable[[Params], tuple[str, Params]] | None = None,
                     describe: Callable[[Params], str] | None = None) -> None:
    """`handler` as a plain, typed call (for the modules mypy checks strictly)."""
    HANDLERS[kind] = Handler(kind, fn, exclusive, label or kind, target, describe)


def kind_label(kind: str) -> LazyString | str:
    h = HANDLERS.get(kind)
    return h.label if h else kind


# --- the queue ------------------------------------------------------------------------
def _make_queue(app: Flask) -> tuple[Huey, Callable[[int], object]]:
    from huey import Huey, RedisHuey, SqliteHuey

    url = app.config.get("JOBS_QUEUE_URL") or "immediate"
    if url == "immediate":
        queue = Huey("backoffice", results=False, immediate=True)
    elif url.startswith("redis"):
        queue = RedisHuey("backoffice", url=url, results=False)
    elif url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        queue = SqliteHuey("backoffice", filename=str(path), results=False)
    else:
        raise RuntimeError(f"JOBS_QUEUE_URL: unsupported {url!r} (immediate, sqlite:///path, redis://…)")

    def run_job_task(job_id: int) -> None:
        run_job(app, job_id)

    # Huey ships no type information: its decorator is applied as a call, not as `@`.
    return queue, queue.task(name="run_job", retries=0)(run_job_task)


def init_app(app: Flask) -> None:
    app.extensions["jobs"] = _make_queue(app)
    app.cli.add_command(jobs_cli)


def queue(app: Flask | None = None) -> Huey:
    return (app or current_app).extensions["jobs"][0]


def _engine() -> Engine:
    engine: Engine = current_app.extensions["sqlalchemy"].engine
    return engine


# --- enqueue --------------------------------------------------------------------------
def _current_actor(actor_id: int | None) -> tuple[int | None, str]:
    if actor_id is None and has_request_context():
        user = getattr(g, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, user.username
    if actor_id is not None:
        from flask_appbuilder.security.sqla.models import User

        with Session(bind=_engine()) as session:
            name = session.scalar(select(User.username).where(User.id == actor_id))
        return actor_id, name or f"user #{actor_id}"
    return None, audit.system_actor.get()


def enqueue(kind: str, params: Params, *, actor_id: int | None = None, retry_of: int | None = None) -> Job:
    """Record a job and put it on the queue. Refused (409) while another job holds the
    same exclusive name. Returns the job as it stands after enqueueing (already
    finished where the queue is immediate)."""
    h = HANDLERS.get(kind)
    if h is None:
        raise ValueError(f"no job handler for {kind!r}")
    params = json.loads(json.dumps(params))  # what the worker will see, checked here
    lock = h.exclusive(params) if h.exclusive else None
    actor_id, actor_name = _current_actor(actor_id)
    with Session(bind=_engine(), expire_on_commit=False) as session:
        job = Job(kind=kind, params=params, actor_id=actor_id, actor_name=actor_name[:128], state=JobState.queued,
                  created_at=utcnow(), lock_key=lock, retry_of=retry_of, progress_done=0)
        session.add(job)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            holder = session.scalar(select(Job).where(Job.lock_key == lock))
            if holder is None or not _release_if_stale(session, holder):
                raise Refused(_l("Another job for the same purpose is queued or running (job %(job)s); "
                                 "wait for it to finish."), status=409, job=holder.id if holder else "?") from None
            job = Job(kind=kind, params=params, actor_id=actor_id, actor_name=actor_name[:128],
                      state=JobState.queued, created_at=utcnow(), lock_key=lock, retry_of=retry_of, progress_done=0)
            session.add(job)
            session.commit()
        job_id = job.id
    try:
        current_app.extensions["jobs"][1](job_id)
    except Exception:  # the queue is down: the job must not stay "queued" for ever
        log.exception("job %s: could not be queued", job_id)
        _finish(job_id, JobState.failed, error=str(UNEXPECTED % {"job": job_id}))
    queued = get(job_id)
    assert queued is not None  # committed above; jobs are never deleted
    return queued


def get(job_id: int) -> Job | None:
    with Session(bind=_engine(), expire_on_commit=False) as session:
        return session.get(Job, job_id)


def retry(job_id: int, *, actor_id: int | None = None) -> Job:
    """Run a failed job again (same kind and parameters) as a new job."""
    old = get(job_id)
    if old is None:
        raise Refused(_l("Record not found."), status=404)
    if old.state is not JobState.failed:
        raise Refused(_l("Only a failed job can be retried."), status=409)
    return enqueue(old.kind, old.params, actor_id=actor_id, retry_of=old.id)


def _stale_before() -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=current_app.config.get("JOBS_STALE_AFTER", 300))


def _release_if_stale(session: Session, job: Job) -> bool:
    """A running job whose worker stopped beating: mark it failed, free its name."""
    if job.state is not JobState.running or (job.heartbeat_at or job.started_at or job.created_at) > _stale_before():
        return False
    done = cast(CursorResult[Any], session.execute(  # an UPDATE's result: Session.execute's typing says Result
        update(Job).where(Job.id == job.id, Job.state == JobState.running, Job.heartbeat_at == job.heartbeat_at)
        .values(state=JobState.failed, finished_at=utcnow(), lock_key=None, error=str(INTERRUPTED))
    )).rowcount
    session.commit()
    return done == 1


def release_stale() -> int:
    """Fail every running job whose worker died (the worker calls this on start)."""
    with Session(bind=_engine(), expire_on_commit=False) as session:
        stale = session.scalars(select(Job).where(Job.state == JobState.running)).all()
        return sum(_release_if_stale(session, job) for job in stale)


# --- run ----------------------------------------------------------------------------
def _write(job_id: int, **values: object) -> bool:
    """One short transaction of its own. On SQLite, while the job's own transaction
    holds the write lock, a progress write is skipped rather than waited for."""
    try:
        with _engine().begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA busy_timeout = 50")
            try:
                conn.execute(update(Job).where(Job.id == job_id).values(**values))
            finally:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout = 5000")
        return True
    except OperationalError:
        log.debug("job %s: progress not written (database busy)", job_id)
        return False


def _finish(job_id: int, state: JobState, *, result: object = None, error: str | None = None) -> None:
    values = dict(state=state, finished_at=utcnow(), lock_key=None, result=result, error=error)
    for _attempt in range(100):  # the final state must land; the job's own lock is gone by now
        try:
            with _engine().begin() as conn:
                conn.execute(update(Job).where(Job.id == job_id).values(**values))
            return
        except OperationalError:
            time.sleep(0.1)
    log.error("job %s: final state %s could not be written", job_id, state.value)


class _Heartbeat(threading.Thread):
    """Says "still alive" every JOBS_HEARTBEAT seconds while the handler runs."""

    def __init__(self, app: Flask, job_id: int) -> None:
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.app, self.job_id, self.stopped = app, job_id, threading.Event()

    def run(self) -> None:
        interval = self.app.config.get("JOBS_HEARTBEAT", 30)
        while not self.stopped.wait(interval):
            with self.app.app_context():
                _write(self.job_id, heartbeat_at=utcnow())


def run_job(app: Flask, job_id: int) -> None:
    """Execute one job (called by the worker, or at once in immediate mode, where the
    caller's context, and so its user for the audit log, is kept)."""
    # current_app is a proxy (Flask's typing presents it as the app itself)
    inside = has_app_context() and cast("LocalProxy[Flask]", current_app)._get_current_object() is app
    with contextlib.nullcontext() if inside else app.app_context():
        now = utcnow()
        with _engine().begin() as conn:
            claimed = conn.execute(update(Job).where(Job.id == job_id, Job.state == JobState.queued)
                                   .values(state=JobState.running, started_at=now, heartbeat_at=now)).rowcount
        if claimed != 1:
            return  # delivered twice, or already failed as stale
        job = get(job_id)
        assert job is not None  # claimed just now
        h = HANDLERS.get(job.kind)
        last = [0.0]

        def progress(done: int, total: int | None = None) -> None:
            moment = time.monotonic()
            if moment - last[0] < 0.5 and done != total:
                return  # at most two writes a second
            last[0] = moment
            _write(job_id, progress_done=int(done), progress_total=None if total is None else int(total),
                   heartbeat_at=utcnow())

        beat = _Heartbeat(app, job_id)
        beat.start()
        token = audit.system_actor.set(f"{job.actor_name} (job {job_id})"[:128])
        session = Session(bind=_engine())
        try:
            if h is None:
                raise RuntimeError(f"no handler for job kind {job.kind!r}")
            result = h.fn(session, dict(job.params), progress)
            session.commit()
        except Refused as exc:
            session.rollback()
            _finish(job_id, JobState.failed, error=exc.text())
        except BaseException:
            session.rollback()
            log.exception("job %s (%s) failed", job_id, job.kind)
            _finish(job_id, JobState.failed, error=str(UNEXPECTED % {"job": job_id}))
        else:
            _finish(job_id, JobState.succeeded, result=_jsonable(result))
        finally:
            beat.stopped.set()
            session.close()
            audit.system_actor.reset(token)


def _jsonable(result: object) -> Any:  # JSON: what json.loads gives
    if result is None:
        return None
    return json.loads(json.dumps(result, default=str))


def visible_clause(user: object) -> ColumnElement[bool]:
    """Admin and the help desk see every job; anyone else only the jobs they started."""
    from app.access import role_names
    from app.roles import ADMIN, HELPDESK

    roles = role_names(user)
    if ADMIN in roles or HELPDESK in roles:
        return true()
    user_id = getattr(user, "id", None)
    return Job.actor_id == user_id if roles and user_id is not None else false()


# --- CLI: flask jobs worker | list ----------------------------------------------------
jobs_cli = AppGroup("jobs", help="Background jobs (Huey queue).")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once by this process (threads).")
def worker_command(workers: int) -> None:
    """Run queued jobs until stopped (SIGINT: finish running jobs; SIGTERM: stop now)."""
    from huey.consumer import Consumer

    released = release_stale()
    if released:
        click.echo(f"{released} interrupted job(s) marked failed")
    q = queue()
    if q.immediate:
        raise click.ClickException("JOBS_QUEUE_URL=immediate runs jobs in the caller; there is nothing to consume")
    click.echo(f"jobs worker: {workers} thread(s) on {current_app.config.get('JOBS_QUEUE_URL')}")
    Consumer(q, workers=workers, worker_type="thread", periodic=False).run()


@jobs_cli.command("list")
@click.option("--limit", default=20, show_default=True)
def list_command(limit: int) -> None:
    """The latest jobs and their state."""
    with Session(bind=_engine()) as session:
        for job in session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)):
            total = f"/{job.progress_total}" if job.progress_total else ""
            click.echo(f"#{job.id} {job.kind} {job.state.value} {job.progress_done}{total} "
                       f"{job.actor_name} {job.created_at:%Y-%m-%d %H:%M:%S} {job.error or ''}")


# --- report files: a PDF (or any file) produced by a job ------------------------------
# The file is written under UPLOAD_FOLDER/reports/ by a generated name (never kept in
# memory between requests, nor in the database); the job's result says where, and what
# it was made from. Who may download it is decided again at download time: the job must
# be visible to the user (visible_clause), the permission that started it still held,
# and the row it was made from within the user's row scope (app.access).
REPORTS_FOLDER = "reports"


@dataclass(frozen=True)
class ReportSource:
    model: type | None  # the row the file is made from (params["pk"]); None: a whole table
    permission: tuple[str, str]  # (permission, view) needed to start and to download it


REPORT_SOURCES: dict[str, ReportSource] = {}


def reports_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / REPORTS_FOLDER


ReportBuild = Callable[[Session, Params, Progress, IO[bytes], Path], None]


def report_handler(kind: str, *, label: Any, model: type | None, permission: tuple[str, str],
                   filename: Callable[[Params], str], mimetype: str = "application/pdf",
                   target: Callable[[Params], tuple[str, Params]] | None = None) -> Callable[[ReportBuild], ReportBuild]:
    """Register `build(session, params, progress, out, workdir)` as the job `kind` that
    writes one file to the binary stream `out` (workdir: a folder for its scratch files).
    A build that raises leaves no file and the previous results as they were."""

    def register(build: ReportBuild) -> ReportBuild:
        def run(session: Session, params: Params, progress: Progress) -> Params:
            import hashlib
            import shutil
            import uuid

            folder = reports_folder()
            folder.mkdir(parents=True, exist_ok=True)
            stored = uuid.uuid4().hex
            part, workdir = folder / f".{stored}.part", folder / f".{stored}.work"
            try:
                with part.open("wb") as out:
                    build(session, params, progress, out, workdir)
                digest = hashlib.sha256()
                with part.open("rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
                size = part.stat().st_size
                part.replace(folder / stored)
            finally:
                part.unlink(missing_ok=True)
                shutil.rmtree(workdir, ignore_errors=True)
            return {"file": stored, "filename": filename(params), "mimetype": mimetype, "size": size,
                    "sha256": digest.hexdigest(), "pk": params.get("pk")}

        REPORT_SOURCES[kind] = ReportSource(model, permission)
        # One file of a kind per source at a time: a second click waits for the first.
        handler(kind, label=label, target=target, exclusive=lambda params: f"{kind}:{params.get('pk')}:{params.get('run')}",
                describe=lambda result: str(_l("File ready: %(name)s", name=result["filename"])))(run)
        return build

    return register


def report_file(session: Session, job: Job, user: Any) -> tuple[Path, str, str]:
    """(path, download name, MIME type) of the file of a finished report job, if `user`
    may have it; Refused (404) otherwise, for "missing" and "not yours" alike."""
    from app import access

    source = REPORT_SOURCES.get(job.kind)
    result = job.result or {}
    missing = Refused(_l("Record not found."), status=404)
    if source is None or job.state is not JobState.succeeded or not result.get("file"):
        raise missing
    if not current_app.extensions["appbuilder"].sm.has_access(*source.permission):
        raise missing
    if source.model is not None:
        pk = result.get("pk")
        model: Any = source.model  # a mapped class: its `id` is a column
        if not isinstance(pk, int) or session.scalar(
                select(model.id).where(model.id == pk, access.row_clause(model, user))) is None:
            raise missing
    path = reports_folder() / str(result["file"])
    if not path.is_file() or path.parent != reports_folder():
        raise missing
    return path, str(result["filename"]), str(result.get("mimetype") or "application/octet-stream")
