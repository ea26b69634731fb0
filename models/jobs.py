"""Background jobs (lottery, rescoring, bulk PDFs, nominal tables, mail): one row per job
with who asked, when, its state, progress, result or error. The queue (Huey) only
carries the job's id; this row is the record people read (app.jobs)."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.mixins import SystemRecord, large, utcnow


class JobState(enum.Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Job(SystemRecord, Model):
    """Admin and the help desk read every job; whoever started a job also reads it
    (app.jobs.visible_clause). Not Audited: the work a job does is audited itself."""

    __row_owner__ = "actor_id"  # whoever started a job follows it (app.access)
    __tablename__ = "job"
    __table_args__ = large("a row per background job (reports, mails, lottery, rescoring) of every user")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: survives user deletion
    actor_name: Mapped[str] = mapped_column(String(128), nullable=False, default="system", index=True)
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, name="job_state", native_enum=False, length=16), nullable=False, default=JobState.queued,
        index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # a worker that stops beating died
    progress_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    # Set while queued/running for kinds that must not overlap on one target (e.g. one
    # lottery per call); unique, so the database refuses a second one (NULLs never clash).
    lock_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    retry_of: Mapped[int | None] = mapped_column(Integer)  # the failed job this one retries

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def finished(self) -> bool:
        return self.state in (JobState.succeeded, JobState.failed)

    def __repr__(self) -> str:
        return f"job #{self.id} {self.kind} {self.state.value}"
