"""Training support centres (ΚΣΕ). Rules K-1, K-2, K-3, K-11 build on this module."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import Audited, CentreOwned, Timestamped
from models.reference import Prefecture


class Centre(Audited, CentreOwned, Timestamped, Model):
    """A centre is its own owner: a manager sees exactly their centre's row."""

    __tablename__ = "centre"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(250), nullable=False)
    legal_representative: Mapped[str | None] = mapped_column(String(200))
    prefecture_id: Mapped[int] = mapped_column(ForeignKey("prefecture.id"), nullable=False, index=True)
    prefecture: Mapped[Prefecture] = relationship(lazy="joined")
    address: Mapped[str | None] = mapped_column(String(250))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))

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


class TrainingPeriod(Audited, Timestamped, Model):
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
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    starts_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    staff_opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    staff_closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    minutes_deadline: Mapped[dt.datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"{self.code} {self.name}" if self.name != self.code else self.code
