"""Evaluation of evaluators per cycle (E-10…E-12). A grader sees only the report
items assigned to them, by anonymous code (E-10: the author is coded)."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, DateTime, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.evaluators import Evaluator
from models.mixins import Audited, EvaluatorOwned, GraderAssigned, Timestamped


class GraderKind(enum.Enum):
    chair = "chair"  # chair of a competition committee
    independent = "independent"  # academic/researcher with > 7 years


class ReportGrade(Audited, GraderAssigned, EvaluatorOwned, Timestamped, Model):
    """One sampled report of one evaluator, graded by one grader (E-10 axis ii).
    Each criterion is on 1–100."""

    __tablename__ = "report_grade"
    __table_args__ = tuple(
        CheckConstraint(f"{c} IS NULL OR ({c} BETWEEN 1 AND 100)", name=f"ck_report_grade_{c}")
        for c in ("commentary", "clarity", "consistency", "usefulness")
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle: Mapped[str] = mapped_column(String(32), nullable=False)
    report_code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")  # listed: no query per row
    grader_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    grader = relationship("AppUser", foreign_keys=[grader_id], lazy="joined")
    grader_kind: Mapped[GraderKind] = mapped_column(
        Enum(GraderKind, name="grader_kind", native_enum=False), nullable=False
    )
    commentary: Mapped[int | None] = mapped_column(Integer)
    clarity: Mapped[int | None] = mapped_column(Integer)
    consistency: Mapped[int | None] = mapped_column(Integer)
    usefulness: Mapped[int | None] = mapped_column(Integer)
    # Set when the grader submits; the marks are then final (E-10).
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    MARKS = ("commentary", "clarity", "consistency", "usefulness")

    @property
    def is_complete(self) -> bool:
        return all(getattr(self, mark) is not None for mark in self.MARKS)

    def __repr__(self) -> str:
        return self.report_code
