"""Helpers for the centres-area tests: ids of the demo rows of manager1's centre
(KSE00001, "own") and manager2's (KSE00002, "other"), real PDF bytes, window moves."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import select

from models.centres import (Centre, Room, StaffMember, StaffRole, StaffSubmission, TeacherCouncilMinutes,
                            TrainingPeriod, Workstation)

OPEN_PERIOD = "2026-2027-A"


@dataclass
class CentreRows:
    centre_id: int
    room_ids: list[int]
    certified_ws: list[int]
    uncertified_ws: list[int]
    coordinators: list[int]
    technical_managers: list[int]


def centre_rows(session, code: str) -> CentreRows:
    centre_id = session.scalar(select(Centre.id).where(Centre.code == code))
    room_ids = list(session.scalars(select(Room.id).where(Room.centre_id == centre_id).order_by(Room.id)))
    ws = session.execute(select(Workstation.id, Workstation.certified)
                         .where(Workstation.room_id.in_(room_ids)).order_by(Workstation.id)).all()
    staff = session.execute(select(StaffMember.id, StaffMember.role)
                            .where(StaffMember.centre_id == centre_id).order_by(StaffMember.id)).all()
    return CentreRows(
        centre_id=centre_id, room_ids=room_ids,
        certified_ws=[i for i, c in ws if c], uncertified_ws=[i for i, c in ws if not c],
        coordinators=[i for i, r in staff if r is StaffRole.coordinator],
        technical_managers=[i for i, r in staff if r is StaffRole.technical_manager])


def own(session) -> CentreRows:
    return centre_rows(session, "KSE00001")


def other(session) -> CentreRows:
    return centre_rows(session, "KSE00002")


def period(session, code: str = OPEN_PERIOD) -> TrainingPeriod:
    return session.scalars(select(TrainingPeriod).where(TrainingPeriod.code == code)).one()


def set_window(session, *, opens: dt.timedelta, closes: dt.timedelta, code: str = OPEN_PERIOD) -> None:
    """Move the staff window of a period relative to now (Europe/Athens wall clock)."""
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(ZoneInfo("Europe/Athens")).replace(tzinfo=None)
    p = period(session, code)
    p.staff_opens_at, p.staff_closes_at = now + opens, now + closes
    session.commit()


def close_calls(session, code: str = OPEN_PERIOD) -> None:
    """Close every call of a period (its submission period gone), as if time had passed."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import update

    from models.calls import Call

    now = dt.datetime.now(ZoneInfo("Europe/Athens")).replace(tzinfo=None)
    session.execute(update(Call).where(Call.training_period_id == period(session, code).id, Call.closes_at > now)
                    .values(opens_at=now - dt.timedelta(days=10), closes_at=now - dt.timedelta(minutes=1)))
    session.commit()


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF (pypdf writes it; the upload check reads it back)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def staff_form(**fields) -> dict:
    data = {"last_name": "Παπαδάκη", "first_name": "Ελένη", "father_name": "Γεώργιος", "afm": "", "specialty": "ΠΕ86",
            "teacher_registry_no": "", "email": "", "phone": ""}
    data.update(fields)
    return data


def minutes_rows(session, centre_id: int) -> list[TeacherCouncilMinutes]:
    return list(session.scalars(select(TeacherCouncilMinutes).where(TeacherCouncilMinutes.centre_id == centre_id)
                                .order_by(TeacherCouncilMinutes.version)))


def submissions(session, centre_id: int) -> list[StaffSubmission]:
    return list(session.scalars(select(StaffSubmission).where(StaffSubmission.centre_id == centre_id)
                                .order_by(StaffSubmission.attempt)))
