"""The centres area's operations on the database (K-1, K-2, K-3): staff window and lock,
minutes storage, per-member confirmation, staff final submission and its reopening.

Views call these; each write operation adds its audit entry and commits once, so it
either happens whole or not at all. Plain rules live in app.rules.centres.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.clock import local_now
from app.errors import Refused
from app.rules import centres as rules
from models.centres import Centre, StaffMember, StaffSubmission, TeacherCouncilMinutes, TrainingPeriod
from models.mixins import utcnow

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


class CentresError(Refused):
    """Kept while call sites move to `Refused` itself (one refusal type)."""


def centre_by_code(session: Session, code: str | None) -> Centre | None:
    """The centre an Admin names by its code in a form (no 10,000-row selects)."""
    code = (code or "").strip()
    return session.scalars(select(Centre).where(Centre.code == code)).first() if code else None


# --- time and windows ----------------------------------------------------------------------


def current_staff_period(session: Session, now: dt.datetime | None = None) -> TrainingPeriod | None:
    """K-2: the training period whose staff window is open now (the latest opened, if
    the Admin made windows overlap)."""
    now = now or local_now()
    return session.scalars(
        select(TrainingPeriod)
        .where(TrainingPeriod.staff_opens_at <= now, TrainingPeriod.staff_closes_at >= now)
        .order_by(TrainingPeriod.staff_opens_at.desc(), TrainingPeriod.id.desc())
        .limit(1)
    ).first()


def minutes_periods(session: Session, now: dt.datetime | None = None) -> list[TrainingPeriod]:
    """K-3 (ours): periods whose minutes may still be uploaded."""
    now = now or local_now()
    return list(session.scalars(
        select(TrainingPeriod).where(TrainingPeriod.minutes_deadline >= now).order_by(TrainingPeriod.starts_on.desc())))


def current_minutes(session: Session, centre_id: int, period_id: int) -> TeacherCouncilMinutes | None:
    return session.scalars(
        select(TeacherCouncilMinutes)
        .where(TeacherCouncilMinutes.centre_id == centre_id, TeacherCouncilMinutes.training_period_id == period_id,
               TeacherCouncilMinutes.superseded_at.is_(None))
        .order_by(TeacherCouncilMinutes.version.desc()).limit(1)
    ).first()


def latest_submission(session: Session, centre_id: int, period_id: int) -> StaffSubmission | None:
    return session.scalars(
        select(StaffSubmission)
        .where(StaffSubmission.centre_id == centre_id, StaffSubmission.training_period_id == period_id)
        .order_by(StaffSubmission.attempt.desc()).limit(1)
    ).first()


def staff_lock_reason(session: Session, centre_id: int | None, now: dt.datetime | None = None) -> str | None:
    """K-2: why the staff list of a centre is read-only now, or None when it may change."""
    period = current_staff_period(session, now)
    if period is None:
        return gettext("The staff list can be changed only while a training period's staff window is open.")
    if centre_id is not None:
        submission = latest_submission(session, centre_id, period.id)
        if submission is not None and submission.is_final:
            return gettext("The staff changes for %(period)s were finally submitted; the staff list is read-only.",
                           period=period.code)
    return None


def ensure_staff_writable(session: Session, centre_id: int | None) -> None:
    reason = staff_lock_reason(session, centre_id)
    if reason:
        raise CentresError(reason)


# --- K-3: per-member confirmation --------------------------------------------------------------


def save_confirmations(session: Session, members: list[StaffMember], confirmed_ids: set[int]) -> None:
    """K-3: mark each member as appearing (id in `confirmed_ids`) or not in the current
    minutes of the open period, in one transaction. `members` are rows the caller already
    checked against the user (their whole list, so that unticking is saved too)."""
    if not members:
        return
    for centre_id in {m.centre_id for m in members}:
        ensure_staff_writable(session, centre_id)
    period = current_staff_period(session)
    minutes_of = {c: current_minutes(session, c, period.id) for c in {m.centre_id for m in members}}
    changed = {"confirmed": [], "unconfirmed": []}
    for member in members:
        minutes = minutes_of[member.centre_id]
        if member.id in confirmed_ids:
            if minutes is None:
                session.rollback()
                raise CentresError(gettext("Upload the teacher-council minutes of %(period)s first.",
                                           period=period.code))
            if member.confirmed_minutes_id != minutes.id:
                member.confirmed_minutes_id, member.confirmed_at = minutes.id, utcnow()
                changed["confirmed"].append(member.id)
        elif member.confirmed_minutes_id is not None:
            member.confirmed_minutes_id = member.confirmed_at = None
            changed["unconfirmed"].append(member.id)
    audit.record_action(session, "staff_minutes_confirmations", table=StaffMember.__tablename__,
                        details={"period": period.code, **changed})
    session.commit()


# --- K-2, K-3: staff final submission ------------------------------------------------------------


def submission_check(session: Session, centre_id: int, period: TrainingPeriod | None,
                     now: dt.datetime | None = None) -> rules.SubmissionCheck:
    now = now or local_now()
    if period is None:
        return rules.check_submission(window_is_open=False, already_final=False, current_minutes_id=None, staff=[])
    latest = latest_submission(session, centre_id, period.id)
    minutes = current_minutes(session, centre_id, period.id)
    staff = session.execute(
        select(StaffMember.last_name, StaffMember.first_name, StaffMember.confirmed_minutes_id)
        .where(StaffMember.centre_id == centre_id)).all()
    return rules.check_submission(
        window_is_open=rules.window_open(period.staff_opens_at, period.staff_closes_at, now),
        already_final=latest is not None and latest.is_final,
        current_minutes_id=minutes.id if minutes else None,
        staff=[rules.StaffLine(f"{last} {first}", confirmed) for last, first, confirmed in staff],
    )


def submit_staff(session: Session, centre_id: int, period: TrainingPeriod, user_id: int | None) -> StaffSubmission:
    """Οριστική υποβολή αίτησης αλλαγών στελεχικού δυναμικού: one transaction; a second
    submit (double click, second tab) meets the unique (centre, period, attempt)."""
    check = submission_check(session, centre_id, period)
    if check.already_final:
        raise CentresError(gettext("The staff changes for %(period)s have already been finally submitted.",
                                   period=period.code))
    if not check.window_open:
        raise CentresError(gettext("The staff window of %(period)s is closed.", period=period.code))
    if check.minutes_id is None:
        raise CentresError(gettext("No teacher-council minutes have been uploaded for %(period)s.", period=period.code))
    if check.unconfirmed:
        raise CentresError(gettext("These members are not confirmed in the minutes of %(period)s: %(names)s.",
                                   period=period.code, names=", ".join(check.unconfirmed)))
    if check.staff_count == 0:
        raise CentresError(gettext("The staff list is empty."))
    members = session.scalars(select(StaffMember).where(StaffMember.centre_id == centre_id)
                              .order_by(StaffMember.role, StaffMember.last_name, StaffMember.first_name)).all()
    snapshot = [{"id": m.id, "role": m.role.value, "last_name": m.last_name, "first_name": m.first_name,
                 "afm": m.afm, "teacher_registry_no": m.teacher_registry_no, "specialty": m.specialty}
                for m in members]
    latest = latest_submission(session, centre_id, period.id)
    submission = StaffSubmission(
        centre_id=centre_id, training_period_id=period.id, attempt=rules.next_attempt(latest.attempt if latest else None),
        submitted_at=utcnow(), submitted_by_id=user_id, minutes_id=check.minutes_id, staff_count=len(members),
        snapshot=json.dumps(snapshot, ensure_ascii=False))
    session.add(submission)
    try:
        session.flush()
        audit.record_action(session, "staff_final_submission", submission,
                            details={"period": period.code, "attempt": submission.attempt,
                                     "staff": len(members), "minutes_id": check.minutes_id})
        session.commit()
    except IntegrityError:
        session.rollback()
        raise CentresError(gettext("The staff changes for %(period)s have already been finally submitted.",
                                   period=period.code)) from None
    return submission


def reopen_submission(session: Session, submission: StaffSubmission, reason: str, user_id: int | None) -> None:
    """Admin: make a final staff submission editable again, with the reason recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise CentresError(gettext("Give the reason for reopening."))
    if not submission.is_final:
        raise CentresError(gettext("This submission has already been reopened."))
    submission.reopened_at = utcnow()
    submission.reopened_by_id = user_id
    submission.reopen_reason = reason
    audit.record_action(session, "staff_submission_reopen", submission, details={"reason": reason})
    session.commit()


# --- K-3: minutes files ----------------------------------------------------------------------------


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "minutes"


def minutes_path(minutes: TeacherCouncilMinutes) -> Path:
    return upload_folder() / minutes.stored_name


def _validated_pdf(stream, max_bytes: int) -> tuple[int, int]:
    """(size, page count) of an uploaded PDF, or CentresError with the reason."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    if size == 0:
        raise CentresError(gettext("The file is empty."))
    if size > max_bytes:
        raise CentresError(gettext("The file is larger than %(mb)s MB.", mb=f"{max_bytes / 1048576:g}"))
    stream.seek(0)
    if not rules.looks_like_pdf(stream.read(8)):
        raise CentresError(gettext("The file is not a PDF document."))
    stream.seek(0)
    from pypdf import PdfReader

    try:
        reader = PdfReader(stream)
        if reader.is_encrypted and not reader.decrypt(""):
            raise CentresError(gettext("Password-protected PDF files are not accepted."))
        pages = len(reader.pages)
        reader.pages[0].extract_text()  # the first page must really parse
    except CentresError:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        log.info("rejected broken PDF: %r", exc)
        raise CentresError(gettext("The PDF file is damaged or cannot be read.")) from None
    if pages < 1:
        raise CentresError(gettext("The PDF file has no pages."))
    return size, pages


def store_minutes(session: Session, *, centre_id: int, period: TrainingPeriod, stream, filename: str | None,
                  user_id: int | None, now: dt.datetime | None = None) -> TeacherCouncilMinutes:
    """Validate and keep an uploaded minutes PDF as the new current version for the
    centre and period; the earlier version stays, marked superseded."""
    if not rules.minutes_upload_open(period.minutes_deadline, now or local_now()):
        raise CentresError(gettext("The minutes of %(period)s can no longer be uploaded.", period=period.code))
    max_bytes = int(current_app.config.get("MINUTES_MAX_BYTES", 10 * 1024 * 1024))
    size, pages = _validated_pdf(stream, max_bytes)
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = uuid.uuid4().hex
    target = folder / stored_name
    tmp = folder / f".{stored_name}.part"
    digest = hashlib.sha256()
    stream.seek(0)
    with open(tmp, "wb") as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    tmp.replace(target)
    try:
        previous = current_minutes(session, centre_id, period.id)
        last_version = session.scalar(
            select(func.max(TeacherCouncilMinutes.version))
            .where(TeacherCouncilMinutes.centre_id == centre_id, TeacherCouncilMinutes.training_period_id == period.id))
        stamp = utcnow()
        if previous is not None:
            previous.superseded_at = stamp
        minutes = TeacherCouncilMinutes(
            centre_id=centre_id, training_period_id=period.id, version=(last_version or 0) + 1,
            original_name=rules.clean_filename(filename), stored_name=stored_name, sha256=digest.hexdigest(),
            size_bytes=size, page_count=pages, uploaded_at=stamp, uploaded_by_id=user_id)
        session.add(minutes)
        session.flush()
        audit.record_action(session, "upload_minutes", minutes,
                            details={"period": period.code, "version": minutes.version, "sha256": minutes.sha256,
                                     "replaces": previous.id if previous else None})
        session.commit()
    except IntegrityError:
        session.rollback()
        target.unlink(missing_ok=True)
        raise CentresError(gettext("Another upload of these minutes happened at the same time; try again.")) from None
    except Exception:
        session.rollback()
        target.unlink(missing_ok=True)
        raise
    return minutes
