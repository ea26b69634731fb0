"""The Unified Registry of Evaluators (Ε.Μ.Α.): the evaluator's registry file.
Rules E-1…E-9, E-13…E-15 build on this module."""
from __future__ import annotations

import enum
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Enum, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import FOLDED_TEXT, Audited, EvaluatorOwned, Timestamped, trigram_index
from models.reference import Region


class EvaluatorStatus(enum.Enum):
    """Where a registry file stands (E-3…E-5, E-2). Labels: views' Greek label maps."""

    draft = "draft"  # the candidate is still filling in form I.2
    submitted = "submitted"  # has a protocol number, awaits a committee session
    under_examination = "under_examination"  # on a session's agenda
    enrolled = "enrolled"  # in the registry, with ΒΕ
    rejected = "rejected"
    inactive = "inactive"  # E-2: an exclusion makes an evaluator inactive at once, never selectable


class PerformanceLevel(enum.Enum):
    A = "A"
    B = "B"
    C = "C"  # Γ


class Evaluator(Audited, EvaluatorOwned, Timestamped, Model):
    __tablename__ = "evaluator"
    __table_args__ = (trigram_index("evaluator", "last_name_folded"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registry_no: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    first_name: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    last_name: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    father_name: Mapped[str | None] = mapped_column(String(80))
    afm: Mapped[str | None] = mapped_column(String(9), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    region: Mapped[Region | None] = relationship(lazy="joined")
    status: Mapped[EvaluatorStatus] = mapped_column(
        Enum(EvaluatorStatus, name="evaluator_status", native_enum=False),
        default=EvaluatorStatus.draft,
        nullable=False,
    )
    level: Mapped[PerformanceLevel] = mapped_column(
        Enum(PerformanceLevel, name="performance_level", native_enum=False),
        default=PerformanceLevel.A,  # E-12: everyone not yet evaluated is at level Α
        nullable=False,
    )
    entry_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), index=True)  # ΒΕ (E-7)
    ranking_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), index=True)  # ΒΚ (E-13)
    # Scale (issue #13): the surname folded for search (app.search keeps it in step).
    last_name_folded: Mapped[str | None] = mapped_column(FOLDED_TEXT, index=True)
    __folded__ = {"last_name_folded": "last_name"}

    @classmethod
    def evaluator_clause(cls, evaluator_id: int):
        return cls.id == evaluator_id

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"

    def __repr__(self) -> str:
        return f"{self.registry_no} {self.last_name} {self.first_name}"
