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
from typing import Any, BinaryIO, NoReturn

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstanceState, Session

from app import access, audit
from app.errors import Refused
from app.clock import local_now
from app.rules import centres as rules
from models.centres import (Centre, EvaluationResult, Room, StaffMember, StaffRole, StaffSubmission,
                            TeacherCouncilMinutes, TrainingPeriod, Workstation)
from models.mixins import utcnow

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


def centre_by_code(session: Session, code: str | None) -> Centre | None:
    """The centre an Admin names by its code in a form (no 10,000-row selects)."""
    code = (code or "").strip()
    return session.scalars(select(Centre).where(Centre.code == code)).first() if code else None


# --- the Admin's and the manager's forms (FAB's add/edit/delete hooks call these) -------------
# FAB has already copied the form into the row; a refusal rolls the session back so that
# nothing half-applied is flushed later in the request. FAB commits when nothing refuses.


def refuse(session: Session, message: Any, **params: Any) -> NoReturn:
    session.rollback()
    raise Refused(message, **params)


def centre_from_form(session: Session, code: str | None) -> Centre | None:
    """The centre of the Admin's typed code (form field `centre_code`); None when the
    form has no such field (a manager's: the centre is their own)."""
    if code is None:
        return None
    with session.no_autoflush:
        centre = centre_by_code(session, code)
    if centre is None:
        refuse(session, _l("No centre has the code %(code)s."), code=code.strip())
    return centre


def room_from_form(session: Session, centre_code: str | None, room_code: str | None) -> Room | None:
    """The room the Admin names by centre code and room code (None: a manager's form)."""
    centre = centre_from_form(session, centre_code)
    if centre is None:
        return None
    code = (room_code or "").strip()
    with session.no_autoflush:
        room = session.scalars(select(Room).where(Room.centre_id == centre.id, Room.code == code)).first()
    if room is None:
        refuse(session, _l("Centre %(centre)s has no room %(room)s."), centre=centre.code, room=code)
    return room


def check_training_period(session: Session, period: TrainingPeriod) -> None:
    """K-2, K-3: a period's dates and its staff window are consistent."""
    if period.starts_on and period.ends_on and period.ends_on < period.starts_on:
        refuse(session, _l("The period cannot end before it starts."))
    if (period.staff_opens_at is None) != (period.staff_closes_at is None):
        refuse(session, _l("Give both ends of the staff window, or neither."))
    if period.staff_opens_at and period.staff_closes_at and period.staff_closes_at <= period.staff_opens_at:
        refuse(session, _l("The staff window must close after it opens."))


def check_room(session: Session, room: Room) -> None:
    """K-1: only a room with a positive evaluation can be certified."""
    if room.certified and room.evaluation_result is not EvaluationResult.positive:
        refuse(session, _l("Only a room with a positive evaluation can be certified (K-1)."))


def check_workstation_change(session: Session, workstation: Workstation, *, by_admin: bool) -> None:
    """K-1: a certified workstation is the Admin's (the manager's form has no `certified`
    field, so this is the stored value)."""
    if not by_admin and workstation.certified:
        refuse(session, _l("A certified workstation can be changed only by the Admin (K-1)."))


def check_workstation_delete(workstation: Workstation, *, by_admin: bool) -> None:
    if not by_admin and workstation.certified:
        raise Refused(_l("A certified workstation can be removed only by the Admin (K-1)."))


# --- K-2: staff members ------------------------------------------------------------------------
IDENTITY_FIELDS = ("last_name", "first_name", "afm", "teacher_registry_no")
TEXT_FIELDS = ("last_name", "first_name", "father_name", "afm", "teacher_registry_no", "specialty", "email", "phone")


def prepare_staff_member(member: StaffMember, *, role: StaffRole, centre: Centre | None) -> bool:
    """Tidy a member the form has filled in, move them to the Admin's typed centre and
    say whether who they are changed (read before any query autoflushes the history)."""
    for name in TEXT_FIELDS:
        value = getattr(member, name)
        if isinstance(value, str):
            setattr(member, name, value.strip() or None)
    state: InstanceState[StaffMember] = inspect(member)
    if not state.has_identity:
        member.role = role
        if centre is not None:
            member.centre = centre
        return True
    if centre is not None and centre.id != member.centre_id:
        member.centre = centre
    return any(state.attrs[name].history.has_changes() for name in IDENTITY_FIELDS + ("centre",))


def check_staff_write(session: Session, member: StaffMember, *, identity_changed: bool) -> None:
    """K-2: the staff list changes only while its window is open and before the final
    submission. K-3: a confirmation was about the person as they were."""
    centre_id = member.centre.id if member.centre is not None else member.centre_id
    reason = staff_lock_reason(session, centre_id)
    if reason:
        refuse(session, reason)
    if identity_changed and inspect(member).has_identity:
        member.confirmed_minutes_id = None
        member.confirmed_at = None


def check_staff_delete(session: Session, member: StaffMember) -> None:
    reason = staff_lock_reason(session, member.centre_id)
    if reason:
        raise Refused(reason)


def staff_identifier_taken(session: Session, centre_id: int | None, field: str, value: str | None,
                           member_id: int | None = None) -> bool:
    """K-2: an Α.Φ.Μ. or Α.Μ. appears once among the staff of one centre."""
    value = (value or "").strip()
    if not value or centre_id is None:
        return False
    stmt = select(StaffMember.id).where(StaffMember.centre_id == centre_id, getattr(StaffMember, field) == value)
    if member_id is not None:
        stmt = stmt.where(StaffMember.id != member_id)
    return session.execute(stmt).first() is not None


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
        return str(gettext("The staff list can be changed only while a training period's staff window is open."))
    if centre_id is not None:
        submission = latest_submission(session, centre_id, period.id)
        if submission is not None and submission.is_final:
            return str(gettext("The staff changes for %(period)s were finally submitted; the staff list is read-only.",
                               period=period.code))
    return None


def ensure_staff_writable(session: Session, centre_id: int | None) -> None:
    reason = staff_lock_reason(session, centre_id)
    if reason:
        raise Refused(reason)


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
    assert period is not None  # the staff window is open: ensure_staff_writable said so
    minutes_of = {c: current_minutes(session, c, period.id) for c in {m.centre_id for m in members}}
    changed: dict[str, list[int]] = {"confirmed": [], "unconfirmed": []}
    for member in members:
        minutes = minutes_of[member.centre_id]
        if member.id in confirmed_ids:
            if minutes is None:
                session.rollback()
                raise Refused(_l("Upload the teacher-council minutes of %(period)s first."),
                              period=period.code)
            if member.confirmed_minutes_id != minutes.id:
                member.confirmed_minutes_id, member.confirmed_at = minutes.id, utcnow()
                changed["confirmed"].append(member.id)
        elif member.confirmed_minutes_id is not None:
            member.confirmed_minutes_id = member.confirmed_at = None
            changed["unconfirmed"].append(member.id)
    audit.record_action(session, "staff_minutes_confirmations", table=StaffMember.__tablename__,
                        details={"period": period.code, **changed})
    session.commit()


def confirm_members(session: Session, centre_id: int, confirmed_ids: set[int]) -> None:
    """K-3 for the manager's own centre: every member of it (in the row scope) is saved
    as ticked or not; an id outside it is refused as not found."""
    own = list(session.scalars(select(StaffMember).where(access.row_clause(StaffMember),
                                                         StaffMember.centre_id == centre_id)))
    if not confirmed_ids <= {m.id for m in own}:
        raise Refused(_l("Record not found."), status=403)  # a member of another centre (or none at all)
    save_confirmations(session, own, confirmed_ids)


# --- K-2, K-3: staff final submission ------------------------------------------------------------


def staff_final_page(session: Session, centre_id: int) -> dict[str, Any]:
    """What the «Οριστική υποβολή» page shows for the manager's centre."""
    period = current_staff_period(session)
    members = session.scalars(
        select(StaffMember).where(access.row_clause(StaffMember), StaffMember.centre_id == centre_id)
        .order_by(StaffMember.role, StaffMember.last_name, StaffMember.first_name)).all()
    return {
        "centre": session.get(Centre, centre_id),
        "period": period,
        "members": members,
        "check": submission_check(session, centre_id, period),
        "minutes": current_minutes(session, centre_id, period.id) if period else None,
        "submission": latest_submission(session, centre_id, period.id) if period else None,
    }


def submit_current_staff(session: Session, centre_id: int, user_id: int | None) -> StaffSubmission:
    """The final submission for the period whose staff window is open now."""
    period = current_staff_period(session)
    if period is None:
        raise Refused(_l("No training period has an open staff window."))
    return submit_staff(session, centre_id, period, user_id)


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
        raise Refused(_l("The staff changes for %(period)s have already been finally submitted."),
                      period=period.code)
    if not check.window_open:
        raise Refused(_l("The staff window of %(period)s is closed."), period=period.code)
    if check.minutes_id is None:
        raise Refused(_l("No teacher-council minutes have been uploaded for %(period)s."), period=period.code)
    if check.unconfirmed:
        raise Refused(_l("These members are not confirmed in the minutes of %(period)s: %(names)s."),
                      period=period.code, names=", ".join(check.unconfirmed))
    if check.staff_count == 0:
        raise Refused(_l("The staff list is empty."))
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
        raise Refused(_l("The staff changes for %(period)s have already been finally submitted."),
                      period=period.code) from None
    return submission


def reopen_submission(session: Session, submission: StaffSubmission, reason: str, user_id: int | None) -> None:
    """Admin: make a final staff submission editable again, with the reason recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Give the reason for reopening."))
    if not submission.is_final:
        raise Refused(_l("This submission has already been reopened."))
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


def _validated_pdf(stream: BinaryIO, max_bytes: int) -> tuple[int, int]:
    """(size, page count) of an uploaded PDF, or Refused with the reason."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    if size == 0:
        raise Refused(_l("The file is empty."))
    if size > max_bytes:
        raise Refused(_l("The file is larger than %(mb)s MB."), mb=f"{max_bytes / 1048576:g}")
    stream.seek(0)
    if not rules.looks_like_pdf(stream.read(8)):
        raise Refused(_l("The file is not a PDF document."))
    stream.seek(0)
    from pypdf import PdfReader

    try:
        reader = PdfReader(stream)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused(_l("Password-protected PDF files are not accepted."))
        pages = len(reader.pages)
        reader.pages[0].extract_text()  # the first page must really parse
    except Refused:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        log.info("rejected broken PDF: %r", exc)
        raise Refused(_l("The PDF file is damaged or cannot be read.")) from None
    if pages < 1:
        raise Refused(_l("The PDF file has no pages."))
    return size, pages


def minutes_page(session: Session, centre_id: int | None) -> dict[str, Any]:
    """The upload form above the minutes list: a manager's open periods with their
    current file, and the size limit."""
    periods = minutes_periods(session) if centre_id else []
    return {
        "upload_periods": periods,
        "current_minutes": [(period, current_minutes(session, centre_id, period.id)) for period in periods
                            if centre_id],
        "max_mb": f"{current_app.config.get('MINUTES_MAX_BYTES', 10485760) / 1048576:g}",
    }


def upload_minutes(session: Session, *, centre_id: int, period_id: int | None, stream: BinaryIO | None,
                   filename: str | None, user_id: int | None) -> TeacherCouncilMinutes:
    """K-3: the manager's upload of the minutes of one period (see store_minutes)."""
    period = session.get(TrainingPeriod, period_id or 0)
    if period is None:
        raise Refused(_l("Choose the training period."))
    if stream is None or not filename:
        raise Refused(_l("Choose the PDF file of the minutes."))
    return store_minutes(session, centre_id=centre_id, period=period, stream=stream, filename=filename,
                         user_id=user_id)


def store_minutes(session: Session, *, centre_id: int, period: TrainingPeriod, stream: BinaryIO, filename: str | None,
                  user_id: int | None, now: dt.datetime | None = None) -> TeacherCouncilMinutes:
    """Validate and keep an uploaded minutes PDF as the new current version for the
    centre and period; the earlier version stays, marked superseded."""
    if not rules.minutes_upload_open(period.minutes_deadline, now or local_now()):
        raise Refused(_l("The minutes of %(period)s can no longer be uploaded."), period=period.code)
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
        raise Refused(_l("Another upload of these minutes happened at the same time; try again.")) from None
    except Exception:
        session.rollback()
        target.unlink(missing_ok=True)
        raise
    return minutes
