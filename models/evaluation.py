"""Evaluation of evaluators (E-10…E-15): cycles, participations, reports, the sample
draw, coded reports with their chair/independent marks, ΒΑ per evaluator per cycle,
ΜΑ and level tables, level decisions and rescoring runs.

Nothing here adds a column to `evaluator`: the area writes `Evaluator.ranking_score`
(ΒΚ) and `Evaluator.level` only. An independent assessor reaches `ReportMark` rows
alone, which carry the report's code and no path to its author (no relationship).
"""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, Enum, ForeignKey, Integer, Numeric, String,
                        Text, UniqueConstraint, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from models.committee import CommitteeSession
from models.evaluators import Evaluator, PerformanceLevel
from models.mixins import (Audited, EvaluatorOwned, GraderAssigned, ReferenceData, SystemRecord, Timestamped, bounded,
                           sort_index)

ATTITUDE = ("interest", "organisation", "time_management", "cooperativeness")  # E-10 axis i
CRITERIA = ("commentary", "clarity", "consistency", "usefulness")  # E-10 axis ii


def _mark_checks(table: str, columns) -> tuple:
    return tuple(CheckConstraint(f"{c} IS NULL OR ({c} BETWEEN 1 AND 100)", name=f"ck_{table}_{c}") for c in columns)


class CycleStatus(enum.Enum):
    open = "open"
    closed = "closed"  # every mark in, ΒΑ computed and frozen (E-11)


class GraderCapacity(enum.Enum):
    chair = "chair"  # chair of a competition committee
    independent = "independent"  # academic/researcher with > 7 years (E-10)


class EvaluationCycle(Audited, ReferenceData, Timestamped, Model):
    """One evaluation cycle of one body's operational programme, with its chair and
    independent assessor, the sample parameters and seed, and the weights (E-10)."""

    __tablename__ = "evaluation_cycle"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="ck_cycle_dates"),
        CheckConstraint("chair_weight + assessor_weight > 0", name="ck_cycle_grader_weights"),
        CheckConstraint("w_commentary + w_clarity + w_consistency + w_usefulness > 0", name="ck_cycle_weights"),
        CheckConstraint("sample_share BETWEEN 1 AND 100 AND sample_min >= 1 AND sample_all_up_to >= 0",
                        name="ck_cycle_sample"),
        bounded("a cycle per body's operational programme and period: tens a year"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    body: Mapped[str] = mapped_column(String(200), nullable=False)
    programme: Mapped[str] = mapped_column(String(200), nullable=False)  # operational programme
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    chair = relationship("AppUser", foreign_keys=[chair_id], lazy="joined")
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    assessor = relationship("AppUser", foreign_keys=[assessor_id], lazy="joined")
    sample_all_up_to: Mapped[int] = mapped_column(Integer, default=5, server_default="5", nullable=False)
    sample_min: Mapped[int] = mapped_column(Integer, default=5, server_default="5", nullable=False)
    sample_share: Mapped[int] = mapped_column(Integer, default=20, server_default="20", nullable=False)
    sample_seed: Mapped[str | None] = mapped_column(String(64))  # recorded at the draw
    sampled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    w_commentary: Mapped[int] = mapped_column(Integer, default=25, server_default="25", nullable=False)
    w_clarity: Mapped[int] = mapped_column(Integer, default=25, server_default="25", nullable=False)
    w_consistency: Mapped[int] = mapped_column(Integer, default=25, server_default="25", nullable=False)
    w_usefulness: Mapped[int] = mapped_column(Integer, default=25, server_default="25", nullable=False)
    chair_weight: Mapped[int] = mapped_column(Integer, default=50, server_default="50", nullable=False)
    assessor_weight: Mapped[int] = mapped_column(Integer, default=50, server_default="50", nullable=False)
    status: Mapped[CycleStatus] = mapped_column(
        Enum(CycleStatus, name="cycle_status", native_enum=False), default=CycleStatus.open, nullable=False,
        index=True,
    )
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def is_closed(self) -> bool:
        return self.status is CycleStatus.closed

    @property
    def report_weights(self) -> dict[str, int]:
        return {c: getattr(self, f"w_{c}") for c in CRITERIA}

    def __repr__(self) -> str:
        return self.name


class Participation(Audited, EvaluatorOwned, GraderAssigned, Timestamped, Model):
    """One evaluator in one cycle: the chair's axis-i marks and, once the cycle closes,
    ΒΑi, ΒΑii, ΒΑ and ΜΑ, kept forever (E-10…E-12). The cycle's chair sees it."""

    __tablename__ = "participation"
    __table_args__ = (UniqueConstraint("cycle_id", "evaluator_id", name="uq_participation"),
                      *_mark_checks("participation", ATTITUDE))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("evaluation_cycle.id"), nullable=False, index=True)
    cycle: Mapped[EvaluationCycle] = relationship(lazy="joined")
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    interest: Mapped[int | None] = mapped_column(Integer)
    organisation: Mapped[int | None] = mapped_column(Integer)
    time_management: Mapped[int | None] = mapped_column(Integer)
    cooperativeness: Mapped[int | None] = mapped_column(Integer)
    attitude_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # ΒΑi
    reports_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # ΒΑii
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), index=True)  # ΒΑ (E-11)
    points: Mapped[int | None] = mapped_column(Integer)  # ΜΑ (E-12)

    @classmethod
    def grader_clause(cls, user_id: int) -> ColumnElement[bool]:
        # The chair of the cycle marks axis i of its evaluators.
        return cls.cycle_id.in_(select(EvaluationCycle.id).where(EvaluationCycle.chair_id == user_id))

    @property
    def attitude_complete(self) -> bool:
        return all(getattr(self, c) is not None for c in ATTITUDE)

    def __repr__(self) -> str:
        return f"{self.cycle_id}/{self.evaluator_id}"


class Report(Audited, EvaluatorOwned, Timestamped, Model):
    """A report an evaluator wrote in a cycle; `code` is set when it is drawn into the
    axis-ii sample, and is all a grader ever learns of it."""

    __tablename__ = "evaluation_report"
    __table_args__ = (UniqueConstraint("cycle_id", "reference", name="uq_report_reference"),
                      sort_index("evaluation_report", "reference"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("evaluation_cycle.id"), nullable=False, index=True)
    cycle: Mapped[EvaluationCycle] = relationship(lazy="joined")
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    reference: Mapped[str] = mapped_column(String(64), nullable=False)  # the body's reference of the report
    sampled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    code: Mapped[str | None] = mapped_column(String(16), unique=True)

    def __repr__(self) -> str:
        return self.reference


class ReportMark(Audited, GraderAssigned, Timestamped, Model):
    """One grader's marks of one coded report (E-10 axis ii). No relationship to the
    report: a grader's page, sort, filter or export cannot reach its author."""

    __tablename__ = "report_mark"
    __table_args__ = (UniqueConstraint("report_id", "capacity", name="uq_report_mark_capacity"),
                      *_mark_checks("report_mark", CRITERIA), sort_index("report_mark", "code"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("evaluation_report.id"), nullable=False, index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("evaluation_cycle.id"), nullable=False, index=True)
    cycle: Mapped[EvaluationCycle] = relationship(lazy="joined")
    code: Mapped[str] = mapped_column(String(16), nullable=False)
    capacity: Mapped[GraderCapacity] = mapped_column(
        Enum(GraderCapacity, name="grader_capacity", native_enum=False), nullable=False
    )
    grader_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    grader = relationship("AppUser", foreign_keys=[grader_id], lazy="joined")
    commentary: Mapped[int | None] = mapped_column(Integer)
    clarity: Mapped[int | None] = mapped_column(Integer)
    consistency: Mapped[int | None] = mapped_column(Integer)
    usefulness: Mapped[int | None] = mapped_column(Integer)
    mark: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # weighted, set at the close

    @property
    def complete(self) -> bool:
        return all(getattr(self, c) is not None for c in CRITERIA)

    def __repr__(self) -> str:
        return self.code


class PointBand(Audited, ReferenceData, Timestamped, Model):
    """E-12 conversion ΒΑ → ΜΑ: a ΒΑ at or above `lowest_score` (and below the next band)
    earns `points`. Annex IV missing: defaults ≥70 → +1, 50 → 0, 30 → −1, 0 → −2."""

    __tablename__ = "point_band"
    __table_args__ = bounded("the E-12 score bands: a handful")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lowest_score: Mapped[Decimal] = mapped_column(Numeric(5, 2), unique=True, nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"≥ {self.lowest_score}: {self.points:+d}"


class LevelThreshold(Audited, ReferenceData, Timestamped, Model):
    """E-12 level by total ΜΑ: at least `lowest_points` → `level`; below every threshold, Γ."""

    __tablename__ = "level_threshold"
    __table_args__ = bounded("one threshold per performance level (A, B, C)")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[PerformanceLevel] = mapped_column(
        Enum(PerformanceLevel, name="performance_level", native_enum=False), unique=True, nullable=False
    )
    lowest_points: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"{self.level.value} ≥ {self.lowest_points}"


class LevelDecision(Audited, EvaluatorOwned, Timestamped, Model):
    """The level the system proposes after a cycle closes and the committee confirms
    (E-12). `entered_c_on` keeps the date of entry into Γ while the evaluator stays there."""

    __tablename__ = "level_decision"
    __table_args__ = (UniqueConstraint("cycle_id", "evaluator_id", name="uq_level_decision"),
                      sort_index("level_decision", "total_points"), sort_index("level_decision", "confirmed_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("evaluation_cycle.id"), nullable=False, index=True)
    cycle: Mapped[EvaluationCycle] = relationship(lazy="joined")
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    total_points: Mapped[int] = mapped_column(Integer, nullable=False)
    previous_level: Mapped[PerformanceLevel] = mapped_column(
        Enum(PerformanceLevel, name="performance_level", native_enum=False), nullable=False
    )
    proposed_level: Mapped[PerformanceLevel] = mapped_column(
        Enum(PerformanceLevel, name="performance_level", native_enum=False), nullable=False
    )
    # The committee session that confirmed it (E-12), one of the committee's session records.
    committee_session_id: Mapped[int | None] = mapped_column(ForeignKey("committee_session.id"), index=True)
    committee_session: Mapped[CommitteeSession | None] = relationship(lazy="joined")
    # Free text of confirmations recorded before sessions were linked that matched no
    # session record (migration f6a7b8c9d0e1); never written any more.
    session_reference: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    confirmed_by = relationship("AppUser", foreign_keys=[confirmed_by_id], lazy="joined")
    entered_c_on: Mapped[dt.date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"{self.evaluator_id}: {self.proposed_level.value}"


class RescoringLock(SystemRecord, Model):
    """One row, locked by a running rescoring (SELECT … FOR UPDATE NOWAIT on PostgreSQL,
    the database write lock on SQLite): two rescorings cannot interleave (E-13)."""

    __tablename__ = "rescoring_lock"
    __table_args__ = bounded("one row: the rescoring lock")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(Integer)


class RescoringRun(Audited, SystemRecord, Model):
    """One rescoring of the whole registry (E-13), by whom and when."""

    __tablename__ = "rescoring_run"
    __table_args__ = bounded("one per change of the points tables or weights: a few a year")
    __row_roles__ = frozenset({"Committee"})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    actor = relationship("AppUser", foreign_keys=[actor_id], lazy="joined")
    evaluators: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)


class RescoringEntry(EvaluatorOwned, Model):
    """One evaluator in one rescoring: ΒΚ and rank before and after (E-13, E-15).
    Written set-based (INSERT … SELECT), so not through the ORM's audit hook: these
    rows are themselves the record of the change."""

    __tablename__ = "rescoring_entry"
    __table_args__ = (UniqueConstraint("run_id", "evaluator_id", name="uq_rescoring_entry"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("rescoring_run.id"), nullable=False)
    run: Mapped[RescoringRun] = relationship(lazy="joined")
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    previous_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    new_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    previous_rank: Mapped[int | None] = mapped_column(Integer)
    new_rank: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[PerformanceLevel | None] = mapped_column(
        Enum(PerformanceLevel, name="performance_level", native_enum=False)
    )
