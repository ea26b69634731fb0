"""The advisory committee's work on the evaluator registry (E-4…E-6, E-8, E-9):
sessions and their agendas, decisions (form I.3, enrolment, rejection), interview marks,
recognition, modification requests, bodies' selection requests and their results.

Nothing here is deleted by the committee: a decision, a mark or a recognition is
corrected by a new, reasoned row that points at the one it replaces (`supersedes_id` /
`replaced_at`); the old one stays in the history (and in the audit log).
"""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, DateTime, Enum, ForeignKey, Integer, Numeric, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.evaluators import Evaluator
from models.mixins import (Audited, EvaluatorOwned, ReferenceData, SystemRecord, Timestamped, bounded, large,
                           sort_index, unindexed_filter, utcnow)
from models.reference import Region, TargetGroup, ThematicField


COMMITTEE = "Committee"  # the role name of app.roles (models do not import the app layer)


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, length=32)


class CommitteeSession(Audited, SystemRecord, Timestamped, Model):
    """A session of the advisory committee (E-4). Its agenda is built from the requests
    filed at least 10 days before it."""

    __tablename__ = "committee_session"
    __table_args__ = bounded("the national committee's meetings: at most one a day (held_on is unique)")
    __row_roles__ = frozenset({COMMITTEE})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date, unique=True, nullable=False)
    place: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    # Set when the agenda was (re)built; the items themselves are AgendaItem rows.
    agenda_built_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    items: Mapped[list[AgendaItem]] = relationship(back_populates="session", order_by="AgendaItem.position")

    def __repr__(self) -> str:
        return self.held_on.strftime("%d/%m/%Y")


class AgendaKind(enum.Enum):
    application = "application"
    modification = "modification"


class AgendaItem(Audited, EvaluatorOwned, Timestamped, Model):
    """One request examined at a session: an application or a modification request."""

    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("session_id", "request_key", name="uq_agenda_item_request"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("committee_session.id"), nullable=False, index=True)
    session: Mapped[CommitteeSession] = relationship(back_populates="items")
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[AgendaKind] = mapped_column(_enum(AgendaKind, "agenda_kind"), nullable=False)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    modification_request_id: Mapped[int | None] = mapped_column(ForeignKey("modification_request.id"))
    modification_request: Mapped[ModificationRequest | None] = relationship()
    # "A<evaluator id>" or "M<request id>": one row per request per session, even on a
    # double click or two workers building the same agenda.
    request_key: Mapped[str] = mapped_column(String(24), nullable=False)
    filed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DecisionKind(enum.Enum):
    in_principle = "in_principle"  # form I.3: complete, included in principle
    not_admitted = "not_admitted"  # form I.3: incomplete or ineligible
    enrolled = "enrolled"  # validation: entered in the registry with ΒΕ
    rejected = "rejected"
    modification_accepted = "modification_accepted"
    modification_rejected = "modification_rejected"


class Decision(Audited, EvaluatorOwned, Timestamped, Model):
    """A committee decision on one evaluator's file. A correction is a new Decision with
    `supersedes_id` and its reasons; the corrected one stays."""

    __tablename__ = "committee_decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    session_id: Mapped[int | None] = mapped_column(ForeignKey("committee_session.id"), index=True)
    session: Mapped[CommitteeSession | None] = relationship()
    modification_request_id: Mapped[int | None] = mapped_column(ForeignKey("modification_request.id"))
    kind: Mapped[DecisionKind] = mapped_column(_enum(DecisionKind, "decision_kind"), nullable=False)
    reasons: Mapped[str | None] = mapped_column(Text)
    entry_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # ΒΕ at the decision
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("committee_decision.id"), unique=True)


class InterviewMarks(Audited, EvaluatorOwned, Timestamped, Model):
    """E-5: the interview's four marks (0–100) and ΒΕ3, their mean. A correction is a
    new row with `supersedes_id` and a reason."""

    __tablename__ = "interview_marks"
    __table_args__ = tuple(
        CheckConstraint(f"{c} BETWEEN 0 AND 100", name=f"ck_interview_marks_{c}")
        for c in ("breadth", "reach", "completeness", "participation")
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    session_id: Mapped[int | None] = mapped_column(ForeignKey("committee_session.id"))
    breadth: Mapped[int] = mapped_column(Integer, nullable=False)
    reach: Mapped[int] = mapped_column(Integer, nullable=False)
    completeness: Mapped[int] = mapped_column(Integer, nullable=False)
    participation: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)  # ΒΕ3
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("interview_marks.id"), unique=True)


class CorrectionKind(enum.Enum):
    interview = "interview"  # ΒΕ3: the interview marks
    verification = "verification"  # a verified row that feeds ΒΕ1/ΒΕ2
    decision = "decision"  # a decision (form I.3, enrolment, rejection)


class Correction(Audited, EvaluatorOwned, Timestamped, Model):
    """A correction by the committee, in particular after enrolment: what was corrected
    (`subject`, e.g. "interview_marks:7", "professional:12", "committee_decision:3"),
    the values before and after, ΒΕ before and after, the reason, who and when. A new
    entry each time, never changed or deleted; the corrected record stays as well."""

    __tablename__ = "committee_correction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    kind: Mapped[CorrectionKind] = mapped_column(_enum(CorrectionKind, "correction_kind"), nullable=False)
    subject: Mapped[str] = mapped_column(String(64), nullable=False)
    before: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    after: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    entry_score_before: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    entry_score_after: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    corrected_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))


class RecognitionKind(enum.Enum):
    field = "field"
    group = "group"
    region = "region"


class Recognition(Audited, EvaluatorOwned, Timestamped, Model):
    """E-6: a thematic field (≤4), target group (≤5) or region (≤6) the evaluator is
    recognised in, with its position. Replaced rows keep `replaced_at` (history)."""

    __tablename__ = "recognition"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'field' AND thematic_field_id IS NOT NULL AND target_group_id IS NULL AND region_id IS NULL)"
            " OR (kind = 'group' AND target_group_id IS NOT NULL AND thematic_field_id IS NULL AND region_id IS NULL)"
            " OR (kind = 'region' AND region_id IS NOT NULL AND thematic_field_id IS NULL AND target_group_id IS NULL)",
            name="ck_recognition_kind",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    kind: Mapped[RecognitionKind] = mapped_column(_enum(RecognitionKind, "recognition_kind"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    thematic_field_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_field.id"))
    thematic_field: Mapped[ThematicField | None] = relationship(lazy="joined")
    target_group_id: Mapped[int | None] = mapped_column(ForeignKey("target_group.id"))
    target_group: Mapped[TargetGroup | None] = relationship(lazy="joined")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    region: Mapped[Region | None] = relationship(lazy="joined")
    reason: Mapped[str | None] = mapped_column(Text)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)

    @property
    def ref_id(self) -> int | None:
        return {RecognitionKind.field: self.thematic_field_id, RecognitionKind.group: self.target_group_id,
                RecognitionKind.region: self.region_id}[self.kind]


class ModificationKind(enum.Enum):
    personal = "personal"
    regions = "regions"
    qualifications = "qualifications"


class ModificationStatus(enum.Enum):
    filed = "filed"
    accepted = "accepted"
    rejected = "rejected"
    superseded = "superseded"  # E-8: a newer conflicting request wins


class ModificationRequest(Audited, EvaluatorOwned, Timestamped, Model):
    """E-8: an enrolled evaluator's request to change their file. `details` holds the
    requested values (personal: field → value; regions: region ids in priority order);
    `document_ids` the evaluator's supporting documents that back it."""

    __tablename__ = "modification_request"
    __table_args__ = (sort_index("modification_request", "filed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    kind: Mapped[ModificationKind] = mapped_column(_enum(ModificationKind, "modification_kind"), nullable=False,
                                                   info=unindexed_filter("a handful of kinds of request"))
    status: Mapped[ModificationStatus] = mapped_column(
        _enum(ModificationStatus, "modification_status"), nullable=False, default=ModificationStatus.filed,
        info=unindexed_filter("a handful of statuses"),
    )
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    document_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    justification: Mapped[str | None] = mapped_column(Text)
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Body(Audited, SystemRecord, Timestamped, Model):
    """A body that asks the Ministry for evaluators (E-9)."""

    __tablename__ = "selection_body"
    __table_args__ = bounded("the public bodies that ask for evaluators: tens, entered by the Admin")
    __row_roles__ = frozenset({COMMITTEE})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)

    def __repr__(self) -> str:
        return self.name


class OperationalProgramme(Audited, ReferenceData, Model):
    """An operational programme whose actions are evaluated (E-9)."""

    __tablename__ = "operational_programme"
    __table_args__ = bounded("the operational programmes of the programming periods: tens")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name_el: Mapped[str] = mapped_column(String(300), nullable=False)

    def __repr__(self) -> str:
        return f"{self.code} {self.name_el}"


class RelationKind(enum.Enum):
    service_head = "service_head"  # heads the special service of a programme
    service_staff = "service_staff"  # staff of the special service of a programme
    body = "body"  # any declared relation with a body


class EvaluatorRelation(Audited, EvaluatorOwned, Timestamped, Model):
    """A relation an evaluator declared that keeps them out of a selection (E-9)."""

    __tablename__ = "evaluator_relation"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'body' AND body_id IS NOT NULL) OR (kind <> 'body' AND operational_programme_id IS NOT NULL)",
            name="ck_evaluator_relation_target",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    kind: Mapped[RelationKind] = mapped_column(_enum(RelationKind, "relation_kind"), nullable=False,
                                               info=unindexed_filter("a handful of kinds of relation"))
    operational_programme_id: Mapped[int | None] = mapped_column(ForeignKey("operational_programme.id"))
    operational_programme: Mapped[OperationalProgramme | None] = relationship(lazy="joined")
    body_id: Mapped[int | None] = mapped_column(ForeignKey("selection_body.id"))
    body: Mapped[Body | None] = relationship(lazy="joined")
    description: Mapped[str | None] = mapped_column(Text)


class ScoreKind(enum.Enum):
    entry = "entry"  # ΒΕ
    ranking = "ranking"  # ΒΚ


class SelectionRequest(Audited, SystemRecord, Timestamped, Model):
    """E-9: a body's request for evaluators. `criteria` is the list of criteria in the
    body's priority order: [{"kind": "field"|"group"|"region", "id": <id>}, …]."""

    __tablename__ = "selection_request"
    __row_roles__ = frozenset({COMMITTEE})
    __table_args__ = (
        CheckConstraint("wanted >= 1", name="ck_selection_request_wanted"),
        CheckConstraint("min_score IS NULL OR (min_score BETWEEN 0 AND 100)", name="ck_selection_request_min_score"),
        sort_index("selection_request", "deadline"),
        large("the bodies' requests for evaluators: grows every year"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("selection_body.id"), nullable=False, index=True)
    body: Mapped[Body] = relationship(lazy="joined")
    subject: Mapped[str] = mapped_column(String(500), nullable=False)
    operational_programme_id: Mapped[int] = mapped_column(ForeignKey("operational_programme.id"), nullable=False,
                                                          index=True)
    operational_programme: Mapped[OperationalProgramme] = relationship(lazy="joined")
    criteria: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    min_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    score_kind: Mapped[ScoreKind] = mapped_column(_enum(ScoreKind, "score_kind"), nullable=False,
                                                  default=ScoreKind.entry)
    wanted: Mapped[int] = mapped_column(Integer, nullable=False)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False)
    filed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)

    def __repr__(self) -> str:
        return f"{self.body} — {self.subject}"


class SelectionRun(Audited, SystemRecord, Timestamped, Model):
    """One run of the selection for a request, with the seed of its draw. A new run for
    the same request is a new row; earlier runs stay."""

    __tablename__ = "selection_run"
    __row_roles__ = frozenset({COMMITTEE})
    __table_args__ = large("the draws of every selection request")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("selection_request.id"), nullable=False, index=True)
    request: Mapped[SelectionRequest] = relationship(lazy="joined")
    seed: Mapped[str] = mapped_column(String(64), nullable=False)
    run_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    results: Mapped[list[SelectionResult]] = relationship(order_by="SelectionResult.rank", back_populates="run")
    exclusions: Mapped[list[SelectionExclusion]] = relationship(back_populates="run")


class SelectionResult(Audited, SystemRecord, Model):
    """One row of the nominal table (E-9)."""

    __tablename__ = "selection_result"
    __row_roles__ = frozenset({COMMITTEE})
    __table_args__ = (UniqueConstraint("run_id", "rank", name="uq_selection_result_rank"),
                      UniqueConstraint("run_id", "evaluator_id", name="uq_selection_result_evaluator"),
                      large("the evaluators drawn by every run"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("selection_run.id"), nullable=False, index=True)
    run: Mapped[SelectionRun] = relationship(back_populates="results")
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    selected: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    met: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # "110": criteria met in order
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    past_selections: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    draw: Mapped[str] = mapped_column(String(64), nullable=False)


class SelectionExclusion(Audited, SystemRecord, Model):
    """The auxiliary table: an evaluator kept out of a run, with the reasons (E-9)."""

    __tablename__ = "selection_exclusion"
    __row_roles__ = frozenset({COMMITTEE})
    __table_args__ = large("the evaluators kept out of every run")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("selection_run.id"), nullable=False, index=True)
    run: Mapped[SelectionRun] = relationship(back_populates="exclusions")
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False)
    evaluator: Mapped[Evaluator] = relationship(lazy="joined")
    reasons: Mapped[str] = mapped_column(String(200), nullable=False)  # codes, comma separated
