"""Training support centres (ΚΣΕ): rooms and workstations (K-1), staff (K-2), teacher-council
minutes and the staff final submission (K-3)."""
from __future__ import annotations

import datetime as dt
import enum
import json
from typing import NamedTuple

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, Enum, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, func, select, text)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from models.mixins import (FOLDED_TEXT, WALL_CLOCK, Audited, CentreOwned, ReferenceData, Timestamped, bounded,
                           sort_index, trigram_index, unindexed_filter, utcnow)
from models.reference import Prefecture


class Centre(Audited, CentreOwned, Timestamped, Model):
    """A centre is its own owner: a manager sees exactly their centre's row."""

    __tablename__ = "centre"
    __table_args__ = (trigram_index("centre", "name_folded"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(250), nullable=False, index=True)
    name_folded: Mapped[str | None] = mapped_column(FOLDED_TEXT, index=True)  # search (app.search, issue #13)
    __folded__ = {"name_folded": "name"}
    legal_representative: Mapped[str | None] = mapped_column(String(200))
    prefecture_id: Mapped[int] = mapped_column(ForeignKey("prefecture.id"), nullable=False, index=True)
    prefecture: Mapped[Prefecture] = relationship(lazy="joined")
    address: Mapped[str | None] = mapped_column(String(250))
    email: Mapped[str | None] = mapped_column(String(320), index=True)  # the help desk finds a centre by it
    phone: Mapped[str | None] = mapped_column(String(32))
    # Υπεύθυνος ΚΣΕ: the users of the centre (set on the user, Security → Users).
    managers = relationship("AppUser", viewonly=True, lazy="selectin", order_by="AppUser.username")

    @classmethod
    def centre_clause(cls, centre_id: int):
        return cls.id == centre_id

    def owning_centre_id(self) -> int | None:
        return self.id

    @property
    def region(self):
        return self.prefecture.region if self.prefecture else None

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class TrainingPeriod(Audited, ReferenceData, Timestamped, Model):
    """Περίοδος επιμόρφωσης (e.g. "2026-2027 Α"). A call (K-4, area calls) refers to one.

    K-2: the centre managers edit their staff only while the staff window is open
    (`staff_opens_at` … `staff_closes_at`); K-3 (ours): the teacher-council minutes are
    uploaded until `minutes_deadline`. Window times are wall-clock times of
    `LOCAL_TIMEZONE` (Europe/Athens), as the Admin types them.
    """

    __tablename__ = "training_period"
    __table_args__ = (
        UniqueConstraint("code", name="uq_training_period_code"),
        CheckConstraint("ends_on >= starts_on", name="ck_training_period_dates"),
        bounded("a few training periods a year"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    starts_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    staff_opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=WALL_CLOCK)
    staff_closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime, info=WALL_CLOCK)
    minutes_deadline: Mapped[dt.datetime | None] = mapped_column(DateTime, info=WALL_CLOCK)

    def __repr__(self) -> str:
        return f"{self.code} {self.name}" if self.name != self.code else self.code


# --- K-1: rooms and workstations ---------------------------------------------------------


class LabelledEnum(enum.Enum):
    """An enum whose members have a translated label (lists, forms' read-outs, CSV)."""

    @property
    def label(self):
        return self.__labels__()[self]

    def __str__(self) -> str:
        return str(self.label)


class EvaluationResult(LabelledEnum):
    """Outcome of a room's evaluation (Ένδειξη αποτελέσματος αξιολόγησης αιθουσών)."""

    pending = "pending"
    positive = "positive"
    negative = "negative"

    @staticmethod
    def __labels__():
        return {EvaluationResult.pending: _l("Pending"), EvaluationResult.positive: _l("Positive"),
                EvaluationResult.negative: _l("Negative")}


class RoomKind(LabelledEnum):
    room = "room"  # αίθουσα
    lab = "lab"  # εργαστήριο

    @staticmethod
    def __labels__():
        return {RoomKind.room: _l("Room"), RoomKind.lab: _l("Laboratory")}


class WorkstationCount(NamedTuple):
    """A room's count of certified or uncertified workstations; the view renders it as
    a link to those workstations (K-1 drill-down)."""

    room_id: int
    certified: bool
    number: int

    def __str__(self) -> str:
        return str(self.number)


class Room(Audited, CentreOwned, Timestamped, Model):
    """A room or lab of a centre. K-1: certification is an Admin decision and needs a
    positive evaluation; the certified/uncertified workstation counts are derived."""

    __tablename__ = "room"
    __table_args__ = (
        UniqueConstraint("centre_id", "code", name="uq_room_centre_code"),
        CheckConstraint("capacity >= 0", name="ck_room_capacity"),
        CheckConstraint("NOT certified OR evaluation_result = 'positive'", name="ck_room_certified_positive"),
        sort_index("room", "code"),
        sort_index("room", "name"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), nullable=False, index=True)
    centre: Mapped[Centre] = relationship(lazy="joined")
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[RoomKind] = mapped_column(Enum(RoomKind, name="room_kind", native_enum=False),
                                           default=RoomKind.lab, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    certified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                            info=unindexed_filter("certified or not: two values"))
    evaluation_result: Mapped[EvaluationResult] = mapped_column(
        Enum(EvaluationResult, name="evaluation_result", native_enum=False),
        default=EvaluationResult.pending, nullable=False)
    evaluated_on: Mapped[dt.date | None] = mapped_column(Date)
    evaluation_notes: Mapped[str | None] = mapped_column(Text)

    def certified_link(self) -> WorkstationCount:
        return WorkstationCount(self.id, True, self.certified_workstations)

    def uncertified_link(self) -> WorkstationCount:
        return WorkstationCount(self.id, False, self.uncertified_workstations)

    def __repr__(self) -> str:
        return f"{self.centre.code if self.centre else self.centre_id} {self.code} {self.name}"


class Workstation(Audited, CentreOwned, Timestamped, Model):
    """A workstation of a room with its technical specs. K-1: an uncertified workstation
    cannot be used in training; only the Admin certifies. Owned through its room."""

    __value_ranges__ = {"ram_gb": (1, 4096), "disk_gb": (1, 1_000_000)}  # F16: sizes in GB, never negative
    __tablename__ = "workstation"
    __table_args__ = (UniqueConstraint("room_id", "inventory_code", name="uq_workstation_room_code"),
                      sort_index("workstation", "inventory_code"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), nullable=False, index=True)
    room: Mapped[Room] = relationship(lazy="joined")
    inventory_code: Mapped[str] = mapped_column(String(40), nullable=False)
    certified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                            info=unindexed_filter("certified or not: two values"))
    cpu: Mapped[str | None] = mapped_column(String(120))
    ram_gb: Mapped[int | None] = mapped_column(Integer)
    disk_gb: Mapped[int | None] = mapped_column(Integer)
    operating_system: Mapped[str | None] = mapped_column(String(80))
    monitor: Mapped[str | None] = mapped_column(String(80))
    network: Mapped[str | None] = mapped_column(String(80))
    notes: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def centre_clause(cls, centre_id: int):
        return cls.room_id.in_(select(Room.id).where(Room.centre_id == centre_id))

    def owning_centre_id(self) -> int | None:
        return self.room.centre_id if self.room is not None else None

    def __repr__(self) -> str:
        return self.inventory_code


def _workstation_count(certified: bool):
    return column_property(
        select(func.count(Workstation.id))
        .where(Workstation.room_id == Room.id, Workstation.certified.is_(certified))
        .correlate_except(Workstation)
        .scalar_subquery(),
        deferred=False,
    )


Room.certified_workstations = _workstation_count(True)
Room.uncertified_workstations = _workstation_count(False)


# --- K-2, K-3: staff, teacher-council minutes, final submission of staff changes ----------


class StaffRole(LabelledEnum):
    coordinator = "coordinator"  # συντονιστής
    technical_manager = "technical_manager"  # τεχνικός υπεύθυνος – βοηθός επιμορφωτή

    @staticmethod
    def __labels__():
        return {StaffRole.coordinator: _l("Coordinator"), StaffRole.technical_manager: _l("Technical manager")}


class TeacherCouncilMinutes(Audited, CentreOwned, Model):
    """Πρακτικό Συλλόγου Διδασκόντων of one centre for one training period (K-3).
    A replacement is a new version; earlier versions stay (history). The file lives
    under UPLOAD_FOLDER with a generated name; the original name is kept for download."""

    __tablename__ = "teacher_council_minutes"
    __table_args__ = (
        UniqueConstraint("centre_id", "training_period_id", "version", name="uq_minutes_centre_period_version"),
        UniqueConstraint("stored_name", name="uq_minutes_stored_name"),
        sort_index("teacher_council_minutes", "uploaded_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), nullable=False, index=True)
    centre: Mapped[Centre] = relationship(lazy="joined")
    training_period_id: Mapped[int] = mapped_column(ForeignKey("training_period.id"), nullable=False, index=True)
    training_period: Mapped[TrainingPeriod] = relationship(lazy="joined")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                         info=unindexed_filter("a version or two per centre and period"))
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    page_count: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    uploaded_by = relationship("AppUser", foreign_keys=[uploaded_by_id], lazy="joined")
    superseded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def file_link(self) -> TeacherCouncilMinutes:
        """The list's file column: the view links the row to its row-checked download."""
        return self

    def __repr__(self) -> str:
        return f"{self.original_name} (v{self.version})"


class StaffMember(Audited, CentreOwned, Timestamped, Model):
    """A coordinator or technical manager of a centre (K-2). `confirmed_minutes` is the
    minutes version in which the manager confirmed that this member appears (K-3)."""

    __tablename__ = "staff_member"
    __table_args__ = (
        UniqueConstraint("centre_id", "afm", name="uq_staff_member_centre_afm"),
        UniqueConstraint("centre_id", "teacher_registry_no", name="uq_staff_member_centre_am"),
        sort_index("staff_member", "last_name"),
        sort_index("staff_member", "first_name"),
        sort_index("staff_member", "afm"),
        Index("ix_staff_member_teacher_registry_no", "teacher_registry_no"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), nullable=False, index=True)
    centre: Mapped[Centre] = relationship(lazy="joined")
    role: Mapped[StaffRole] = mapped_column(Enum(StaffRole, name="staff_role", native_enum=False), nullable=False)
    last_name: Mapped[str] = mapped_column(String(80), nullable=False)
    first_name: Mapped[str] = mapped_column(String(80), nullable=False)
    father_name: Mapped[str | None] = mapped_column(String(80))
    afm: Mapped[str] = mapped_column(String(9), nullable=False, info={"tax_number": True})  # F16: check digit
    teacher_registry_no: Mapped[str | None] = mapped_column(String(16))
    specialty: Mapped[str | None] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    confirmed_minutes_id: Mapped[int | None] = mapped_column(
        ForeignKey("teacher_council_minutes.id", ondelete="SET NULL"), index=True)
    confirmed_minutes: Mapped[TeacherCouncilMinutes | None] = relationship(lazy="joined")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def confirmed_in(self) -> str | None:
        minutes = self.confirmed_minutes
        if minutes is None:
            return None
        return f"{minutes.training_period.code} v{minutes.version}"

    def __repr__(self) -> str:
        return self.full_name


class StaffSubmission(Audited, CentreOwned, Model):
    """Οριστική υποβολή αίτησης αλλαγών στελεχικού δυναμικού: one per centre, training
    period and attempt (the unique constraint stops a double submit). An Admin reopen
    records its reason; the next submission is the next attempt."""

    __tablename__ = "staff_submission"
    __table_args__ = (
        UniqueConstraint("centre_id", "training_period_id", "attempt", name="uq_staff_submission_attempt"),
        # Review F7: at most one final (not reopened) submission per centre and period,
        # whatever two workers computed as their attempt numbers.
        Index("uq_staff_submission_final", "centre_id", "training_period_id", unique=True,
              sqlite_where=text("reopened_at IS NULL"), postgresql_where=text("reopened_at IS NULL")),
        sort_index("staff_submission", "submitted_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), nullable=False, index=True)
    centre: Mapped[Centre] = relationship(lazy="joined")
    training_period_id: Mapped[int] = mapped_column(ForeignKey("training_period.id"), nullable=False, index=True)
    training_period: Mapped[TrainingPeriod] = relationship(lazy="joined")
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                         info=unindexed_filter("an attempt or two per centre and period"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    submitted_by = relationship("AppUser", foreign_keys=[submitted_by_id], lazy="joined")
    minutes_id: Mapped[int | None] = mapped_column(ForeignKey("teacher_council_minutes.id"))
    minutes: Mapped[TeacherCouncilMinutes | None] = relationship(lazy="joined")
    staff_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    snapshot: Mapped[str | None] = mapped_column(Text)  # JSON: the staff list as submitted
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reopened_by = relationship("AppUser", foreign_keys=[reopened_by_id], lazy="joined")
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def is_final(self) -> bool:
        return self.reopened_at is None

    def snapshot_text(self) -> Markup:
        rows = json.loads(self.snapshot or "[]")
        items = Markup("").join(
            Markup("<li>{} {} – {} – {}</li>").format(r["last_name"], r["first_name"], r["afm"],
                                                      StaffRole(r["role"]).label)
            for r in rows)
        return Markup("<ol>{}</ol>").format(items)

    def __repr__(self) -> str:
        return f"{self.centre.code if self.centre else self.centre_id} {self.training_period.code if self.training_period else ''} #{self.attempt}"
