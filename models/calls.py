"""Calls (Πρόσκληση), Annex A, expressions of interest and the lottery (K-4…K-9).

Times: a call's `opens_at`/`closes_at` are wall-clock times of the call's own time zone
(config LOCAL_TIMEZONE, default Europe/Athens), as printed in the call; every other
timestamp (saved_at, submitted_at, lottery_run_at, created_at…) is naive UTC like the
rest of the project (models.mixins.utcnow).

The lottery secret (../shared/lottery.md step 1) is stored sealed with a key derived from
the app's key (app.calls), masked in the audit log and never part of any view; it is
revealed only inside the published bundle after the run.
"""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean, CheckConstraint, DateTime, Enum, ForeignKey, Integer, LargeBinary, String, Text,
    UniqueConstraint, select,
)
from sqlalchemy.orm import Mapped, declared_attr, deferred, mapped_column, relationship

from models.centres import Centre
from models.mixins import WALL_CLOCK, Audited, CentreOwned, ReferenceData, Timestamped, bounded, sort_index
from models.reference import Cluster, Prefecture, Region

from models.centres import TrainingPeriod  # issue #3 owns the training period


class Call(Audited, ReferenceData, Timestamped, Model):
    """A call for expressions of interest (K-4). `code` is fixed at creation: the
    lottery tickets and the sealed secret depend on it."""

    __tablename__ = "call"
    __audit_secret__ = frozenset({"lottery_secret_sealed"})
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="ck_call_dates"),
        CheckConstraint("required_clusters >= 1", name="ck_call_required_clusters"),
        CheckConstraint("max_programmes_per_centre >= 1", name="ck_call_max_programmes"),
        bounded("a few calls per training period"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(250), nullable=False)
    training_period_id: Mapped[int] = mapped_column(ForeignKey("training_period.id"), nullable=False, index=True)
    training_period: Mapped[TrainingPeriod] = relationship(lazy="joined")
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, info=WALL_CLOCK)
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, info=WALL_CLOCK)
    required_clusters: Mapped[int] = mapped_column(Integer, nullable=False, default=13)  # K-6
    max_programmes_per_centre: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    declarations: Mapped[str | None] = mapped_column(Text)  # K-5: one declaration per line
    # lottery.md step 1: published from the opening on, never changes.
    lottery_commitment: Mapped[str] = mapped_column(String(64), nullable=False)
    lottery_secret_sealed: Mapped[str] = deferred(mapped_column(String(200), nullable=False), active_history=True)
    # lottery.md steps 3-5: set once, in the run's transaction.
    lottery_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    lottery_bundle_sha256: Mapped[str | None] = mapped_column(String(64))

    annex_cells = relationship("AnnexACell", back_populates="call", cascade="all, delete-orphan",
                               passive_deletes=True)

    def declaration_list(self) -> list[str]:
        return [line.strip() for line in (self.declarations or "").splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"{self.code} {self.title}"


class ProgrammeArea:
    """A cluster's programmes in one area: a prefecture for category ΙΙa, a region for
    ΙΙb (K-4, K-9). Shared by Annex A cells and the lottery's allocations."""

    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id"), nullable=False)
    category: Mapped[str] = mapped_column(String(3), nullable=False)
    prefecture_id: Mapped[int | None] = mapped_column(ForeignKey("prefecture.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))

    @declared_attr
    def cluster(cls) -> Mapped[Cluster]:
        return relationship(Cluster, lazy="joined")

    @declared_attr
    def prefecture(cls) -> Mapped[Prefecture | None]:
        return relationship(Prefecture, lazy="joined")

    @declared_attr
    def region(cls) -> Mapped[Region | None]:
        return relationship(Region, lazy="joined")

    @staticmethod
    def check(name: str) -> CheckConstraint:
        """The category decides the kind of area (the database refuses a mismatch)."""
        return CheckConstraint(
            "(category = 'IIa' AND prefecture_id IS NOT NULL AND region_id IS NULL)"
            " OR (category = 'IIb' AND region_id IS NOT NULL AND prefecture_id IS NULL)",
            name=name,
        )

    @property
    def area(self):
        return self.prefecture if self.category == "IIa" else self.region


class AnnexACell(ProgrammeArea, Audited, ReferenceData, Model):
    """One cell of Annex A (K-4): programmes of a cluster in a prefecture (ΙΙa) or a
    region (ΙΙb). Imported from CSV as a whole (app.rules.annex_a)."""

    __tablename__ = "annex_a_cell"
    __table_args__ = (
        CheckConstraint("programmes >= 0", name="ck_annex_a_cell_programmes"),
        ProgrammeArea.check("ck_annex_a_cell_area"),
        UniqueConstraint("call_id", "cluster_id", "prefecture_id", name="uq_annex_a_cell_prefecture"),
        UniqueConstraint("call_id", "cluster_id", "region_id", name="uq_annex_a_cell_region"),
        bounded("a cluster per area of a call: hundreds per call, grows with calls only"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), nullable=False, index=True)
    call: Mapped[Call] = relationship(back_populates="annex_cells")
    programmes: Mapped[int] = mapped_column(Integer, nullable=False)


class ApplicationStatus(enum.Enum):
    draft = "draft"
    final = "final"


class Application(Audited, CentreOwned, Timestamped, Model):
    """A centre's expression of interest in a call (K-5…K-8): one per centre per call.

    `version` is SQLAlchemy's version counter: every UPDATE says `WHERE version = <read>`,
    so of two tabs or workers finalising the same draft exactly one succeeds (K-7)."""

    __tablename__ = "call_application"
    __table_args__ = (
        UniqueConstraint("call_id", "centre_id", name="uq_call_application_centre"),
        CheckConstraint(
            "status <> 'final' OR (submitted_at IS NOT NULL AND ticket IS NOT NULL"
            " AND random_number IS NOT NULL AND prefecture_id IS NOT NULL)",
            name="ck_call_application_final",
        ),
        sort_index("call_application", "submitted_at"),
        sort_index("call_application", "random_number"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), nullable=False, index=True)
    call: Mapped[Call] = relationship(lazy="joined")
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), nullable=False, index=True)
    centre: Mapped[Centre] = relationship(lazy="joined")
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(ApplicationStatus, name="application_status", native_enum=False, length=16),
        nullable=False, default=ApplicationStatus.draft,
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    declarations_accepted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    saved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set by the final submission (K-7), never changed afterwards:
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    prefecture_id: Mapped[int | None] = mapped_column(ForeignKey("prefecture.id"))  # the centre's, at submission
    prefecture: Mapped[Prefecture | None] = relationship(lazy="joined")
    declarations_text: Mapped[str | None] = mapped_column(Text)  # the declarations accepted
    ticket: Mapped[str | None] = mapped_column(String(64))  # lottery.md step 2, full hex
    random_number: Mapped[str | None] = mapped_column(String(12))  # shown and printed on A2
    a2_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # K-8
    a2_sha256: Mapped[str | None] = mapped_column(String(64))
    draw_position: Mapped[int | None] = mapped_column(Integer)  # after the lottery

    choices = relationship("ApplicationChoice", back_populates="application", order_by="ApplicationChoice.position",
                           cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_final(self) -> bool:
        return self.status is ApplicationStatus.final

    def __repr__(self) -> str:
        return f"{self.call.code if self.call else self.call_id} / {self.centre.code if self.centre else self.centre_id}"


class ApplicationChoice(Audited, CentreOwned, Model):
    """One ranked cluster of an application; position 1 is the most preferred (K-5)."""

    __tablename__ = "call_application_choice"
    __table_args__ = (
        UniqueConstraint("application_id", "position", name="uq_call_application_choice_position"),
        UniqueConstraint("application_id", "cluster_id", name="uq_call_application_choice_cluster"),
        CheckConstraint("position >= 1", name="ck_call_application_choice_position"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("call_application.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    application: Mapped[Application] = relationship(back_populates="choices")
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id"), nullable=False)
    cluster: Mapped[Cluster] = relationship(lazy="joined")

    @classmethod
    def centre_clause(cls, centre_id: int):
        return cls.application_id.in_(select(Application.id).where(Application.centre_id == centre_id))

    def owning_centre_id(self) -> int | None:
        return self.application.centre_id if self.application else None


class LotteryAllocation(ProgrammeArea, Audited, CentreOwned, Model):
    """One programme allocated by the lottery (K-9), as in the bundle's `allocation`."""

    __tablename__ = "lottery_allocation"
    __table_args__ = (
        UniqueConstraint("call_id", "round", "centre_id", name="uq_lottery_allocation_turn"),
        ProgrammeArea.check("ck_lottery_allocation_area"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), nullable=False, index=True)
    call: Mapped[Call] = relationship()
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), nullable=False, index=True)
    centre: Mapped[Centre] = relationship(lazy="joined")


class LotteryBundlePart(ReferenceData, Model):
    """The published bundle of a call's lottery (lottery.md step 5), in consecutive pieces
    of about 1 MiB written as the run produces them (a 100,000-application bundle is
    never held whole). Written once in the run's transaction, never changed
    (app.calls); read by everyone who may read the call."""

    __tablename__ = "lottery_bundle_part"
    __table_args__ = bounded("about 1 MiB parts of one bundle per call: tens per call, grows with calls only")
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
