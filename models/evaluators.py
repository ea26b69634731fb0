"""The Unified Registry of Evaluators (Ε.Μ.Α.): the evaluator's registry file, from the
draft application (form I.2, seed 003 Annex I) to the enrolled evaluator.
Rules E-1…E-9, E-13…E-15 build on this module.

The form's repeatable rows keep the candidate's values untouched; the committee's
verification (E-5) is stored next to them (`verification`, `recoded_*`), and only
confirmed or re-coded values count for ΒΕ1/ΒΕ2 once a row has been verified (E-7)."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, Enum, ForeignKey, Index, Integer, Numeric,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from models.mixins import (FOLDED_TEXT, Audited, EvaluatorOwned, ReferenceData, SystemRecord, Timestamped, bounded,
                           large, sort_index, trigram_index, unindexed_filter)
from models.reference import Prefecture, Region, TargetGroup, ThematicField


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False)


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


class Gender(enum.Enum):
    male = "male"
    female = "female"


class EmploymentForm(enum.Enum):
    """Section 3: μορφή άσκησης επαγγέλματος."""

    employer = "employer"
    employee = "employee"
    self_employed = "self_employed"


class Verification(enum.Enum):
    """The committee's verification of one row against its document (E-5)."""

    pending = "pending"
    confirmed = "confirmed"
    recoded = "recoded"  # the document proves something else: the recoded_* values count
    not_confirmed = "not_confirmed"  # the row counts for nothing


class DegreeKind(enum.Enum):
    """Section 7: ΑΕΙ, ΤΕΙ, or a foreign degree recognised by ΔΙΚΑΤΣΑ/ΔΟΑΤΑΠ (E-1)."""

    aei = "aei"
    tei = "tei"
    foreign = "foreign"


class PostgraduateLevel(enum.Enum):
    master = "master"
    phd = "phd"


class LanguageLevel(enum.Enum):
    excellent = "excellent"
    good = "good"
    fair = "fair"


class CentreRelationKind(enum.Enum):
    """Sections 5–6: the relation with a training centre (ΚΕΚ/ΚΕΣΥΥ/specialised centre).
    owner/shareholder/partner/board/employee are exclusions while current (E-2)."""

    owner = "owner"
    shareholder = "shareholder"
    partner = "partner"
    board_member = "board_member"
    director = "director"
    training_director = "training_director"
    employee = "employee"
    external = "external"  # a contractor without dependent employment
    other = "other"


class DocumentKind(enum.Enum):
    identity = "identity"
    degree = "degree"
    postgraduate = "postgraduate"
    training = "training"
    language = "language"
    experience = "experience"
    declaration = "declaration"
    other = "other"


SORTED_BY_KEY = ("first_name", "last_name", "entry_score", "ranking_score")


class Evaluator(Audited, EvaluatorOwned, Timestamped, Model):
    """One person's registry file: form I.2 sections 1–4, 14 and the declarations; the
    repeatable sections are the rows below. Scores: ΒΕ1/ΒΕ2 from the points table
    (E-7), ΒΕ3 from the interview, ΒΕ = entry_score, ΒΚ = ranking_score (E-13)."""

    __tablename__ = "evaluator"
    __table_args__ = (
        Index("ix_evaluator_status_entry_score", "status", "entry_score"),
        Index("ix_evaluator_last_first", "last_name", "first_name"),
        # Sortable list columns with the key FAB adds as tie-breaker: the sort, and the
        # keys of a deep page, read from the index alone on PostgreSQL (issue #13).
        *(sort_index("evaluator", column) for column in SORTED_BY_KEY),
        UniqueConstraint("protocol_no", name="uq_evaluator_protocol_no"),
        trigram_index("evaluator", "last_name_folded"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Given at enrolment (E-5); a draft or a submitted application has none yet.
    registry_no: Mapped[str | None] = mapped_column(String(16), unique=True)
    protocol_no: Mapped[str | None] = mapped_column(String(20))  # ΕΜΑ-2026/000123 (E-3)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Section 1: personal data
    first_name: Mapped[str] = mapped_column(String(80), nullable=False)
    last_name: Mapped[str] = mapped_column(String(80), nullable=False)
    father_name: Mapped[str | None] = mapped_column(String(80))
    id_card_no: Mapped[str | None] = mapped_column(String(20))
    home_street: Mapped[str | None] = mapped_column(String(120))
    home_number: Mapped[str | None] = mapped_column(String(10))
    home_city: Mapped[str | None] = mapped_column(String(80))
    home_postcode: Mapped[str | None] = mapped_column(String(5))
    afm: Mapped[str | None] = mapped_column(String(9), unique=True, info={"tax_number": True})  # F16: check digit
    tax_office: Mapped[str | None] = mapped_column(String(80))  # Δ.Ο.Υ.
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    gender: Mapped[Gender | None] = mapped_column(_enum(Gender, "gender"))
    # Section 2: correspondence
    mail_address: Mapped[str | None] = mapped_column(String(160))
    mail_city: Mapped[str | None] = mapped_column(String(80))
    mail_postcode: Mapped[str | None] = mapped_column(String(5))
    mail_prefecture_id: Mapped[int | None] = mapped_column(ForeignKey("prefecture.id"))
    mail_prefecture: Mapped[Prefecture | None] = relationship(foreign_keys=[mail_prefecture_id])
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    fax: Mapped[str | None] = mapped_column(String(32))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    region: Mapped[Region | None] = relationship(lazy="joined", foreign_keys=[region_id])
    # Section 3: profession
    profession: Mapped[str | None] = mapped_column(String(160))
    employment_form: Mapped[EmploymentForm | None] = mapped_column(_enum(EmploymentForm, "employment_form"))
    economic_sector: Mapped[str | None] = mapped_column(String(160))
    # Section 4: work address
    employer_name: Mapped[str | None] = mapped_column(String(160))
    work_address: Mapped[str | None] = mapped_column(String(160))
    work_city: Mapped[str | None] = mapped_column(String(80))
    work_postcode: Mapped[str | None] = mapped_column(String(5))
    work_phone: Mapped[str | None] = mapped_column(String(32))
    work_email: Mapped[str | None] = mapped_column(String(320))
    # Sections 5–6: the yes/no answers; the relations themselves are rows.
    has_current_centre_relation: Mapped[bool | None] = mapped_column(Boolean)
    has_past_centre_relation: Mapped[bool | None] = mapped_column(Boolean)
    # Section 14: relevance of the professional experience to the thematic fields
    experience_relevance: Mapped[str | None] = mapped_column(Text)
    # E-2 facts declared by the candidate (art. 3.3 α, γ; the relative clause of β)
    is_general_director: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    is_ekepis_trainer: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    is_centre_relative: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    # Form I.1 consent (ν.2472/97) and the solemn declarations (ν.1599/86): when accepted
    consent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    declarations_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Registry state
    status: Mapped[EvaluatorStatus] = mapped_column(
        _enum(EvaluatorStatus, "evaluator_status"), default=EvaluatorStatus.draft, nullable=False)
    inactive_since: Mapped[dt.date | None] = mapped_column(Date)
    inactive_reason: Mapped[str | None] = mapped_column(Text)
    level: Mapped[PerformanceLevel] = mapped_column(
        _enum(PerformanceLevel, "performance_level"),
        default=PerformanceLevel.A,  # E-12: everyone not yet evaluated is at level Α
        nullable=False, info=unindexed_filter("three levels: A, B or C"),
    )
    qualification_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # ΒΕ1 (E-7)
    experience_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # ΒΕ2 (E-7)
    interview_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # ΒΕ3 (E-5, E-7)
    entry_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # ΒΕ (E-7)
    ranking_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # ΒΚ (E-13)
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
        return f"{self.registry_no or self.protocol_no or '—'} {self.last_name} {self.first_name}"


class _FileRow(Audited, EvaluatorOwned):
    """A row of the registry file: belongs to one evaluator."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    @declared_attr
    def evaluator_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)

    @declared_attr
    def evaluator(cls) -> Mapped[Evaluator]:
        return relationship(Evaluator, foreign_keys=lambda: [cls.evaluator_id])


class _Verifiable(_FileRow):
    """A row the committee verifies against its supporting document (E-5)."""

    @declared_attr
    def document_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("supporting_document.id"), index=True)

    @declared_attr
    def document(cls) -> Mapped[SupportingDocument | None]:
        return relationship("SupportingDocument", foreign_keys=lambda: [cls.document_id])

    verification: Mapped[Verification] = mapped_column(
        _enum(Verification, "verification"), default=Verification.pending,
        server_default=Verification.pending.value, nullable=False,
        info=unindexed_filter("pending, confirmed or not confirmed: three values"))
    verification_note: Mapped[str | None] = mapped_column(Text)

    def counts(self) -> bool:
        return self.verification is not Verification.not_confirmed


class SupportingDocument(Audited, EvaluatorOwned, Model):
    """An uploaded file (PDF/JPEG/PNG) stored under UPLOAD_FOLDER/evaluators/ by a
    generated name; rows point at the document that proves them."""

    __tablename__ = "supporting_document"
    __table_args__ = (sort_index("supporting_document", "uploaded_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluator.id"), nullable=False, index=True)
    evaluator: Mapped[Evaluator] = relationship(foreign_keys=[evaluator_id])
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, "document_kind"), nullable=False,
                                               info=unindexed_filter("a handful of kinds of document"))
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    issuer: Mapped[str | None] = mapped_column(String(160))  # Φορέας (list of documents)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)

    def __repr__(self) -> str:
        return f"{self.description} ({self.filename})"


class EvaluatorCentreRelation(_FileRow, Model):
    """Sections 5 (current) and 6 (past): a relation with a training centre."""

    __tablename__ = "evaluator_centre_relation"
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, info=unindexed_filter("current or past: two values"))
    centre_name: Mapped[str] = mapped_column(String(160), nullable=False)
    kind: Mapped[CentreRelationKind] = mapped_column(_enum(CentreRelationKind, "centre_relation_kind"), nullable=False)
    kind_other: Mapped[str | None] = mapped_column(String(120))
    subject: Mapped[str | None] = mapped_column(String(200))
    start_month: Mapped[dt.date] = mapped_column(Date, nullable=False)  # first day of the month
    end_month: Mapped[dt.date | None] = mapped_column(Date)


class EvaluatorDegree(_Verifiable, Model):
    """Section 7: tertiary degrees (E-1: at least one, ΑΕΙ/ΤΕΙ or recognised foreign)."""

    __tablename__ = "evaluator_degree"
    institution: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(80), nullable=False)
    kind: Mapped[DegreeKind] = mapped_column(_enum(DegreeKind, "degree_kind"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    awarded_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    recognised: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)  # ΔΙΚΑΤΣΑ, foreign only
    thematic_field_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_field.id"))
    thematic_field: Mapped[ThematicField | None] = relationship()


class EvaluatorPostgraduate(_Verifiable, Model):
    """Section 8: master's and doctoral degrees (E-1 art. 3.2, ΒΕ1)."""

    __tablename__ = "evaluator_postgraduate"
    institution: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(80), nullable=False)
    level: Mapped[PostgraduateLevel] = mapped_column(_enum(PostgraduateLevel, "postgraduate_level"), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)  # thesis / title
    awarded_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    thematic_field_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_field.id"))
    thematic_field: Mapped[ThematicField | None] = relationship(foreign_keys=[thematic_field_id])
    recoded_level: Mapped[PostgraduateLevel | None] = mapped_column(_enum(PostgraduateLevel, "postgraduate_level"))
    recoded_thematic_field_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_field.id"))


class EvaluatorTraining(_Verifiable, Model):
    """Section 9: postgraduate training of at least 300 hours (ΒΕ1)."""

    __tablename__ = "evaluator_training"
    __table_args__ = (CheckConstraint("hours > 0", name="ck_evaluator_training_hours"),)
    provider: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(80), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    completed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    hours: Mapped[int] = mapped_column(Integer, nullable=False)
    thematic_field_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_field.id"))
    thematic_field: Mapped[ThematicField | None] = relationship()
    recoded_hours: Mapped[int | None] = mapped_column(Integer)


class EvaluatorLanguage(_Verifiable, Model):
    """Section 10: languages; a recognised title at excellent level scores (ΒΕ1)."""

    __tablename__ = "evaluator_language"
    __table_args__ = (UniqueConstraint("evaluator_id", "language", name="uq_evaluator_language"),)
    language: Mapped[str] = mapped_column(String(60), nullable=False)
    level: Mapped[LanguageLevel] = mapped_column(_enum(LanguageLevel, "language_level"), nullable=False)
    certificate: Mapped[str | None] = mapped_column(String(200))  # Τίτλος σπουδών
    proficiency: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)  # recognised title (Π.Δ. 347/2003)
    recoded_level: Mapped[LanguageLevel | None] = mapped_column(_enum(LanguageLevel, "language_level"))
    recoded_proficiency: Mapped[bool | None] = mapped_column(Boolean)


class _Experience(_Verifiable):
    employer: Mapped[str] = mapped_column(String(200), nullable=False)  # Επωνυμία φορέα
    body_kind: Mapped[str | None] = mapped_column(String(120))  # Είδος φορέα (πίν. 6)
    role: Mapped[str | None] = mapped_column(String(160))  # Θέση – ιδιότητα (πίν. 7) / κατηγορία ενέργειας
    subject: Mapped[str | None] = mapped_column(String(300))
    start_month: Mapped[dt.date] = mapped_column(Date, nullable=False)  # first day of the month
    end_month: Mapped[dt.date] = mapped_column(Date, nullable=False)
    person_months: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    recoded_person_months: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))

    @declared_attr
    def thematic_field_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("thematic_field.id"))

    @declared_attr
    def thematic_field(cls) -> Mapped[ThematicField | None]:
        return relationship(ThematicField, foreign_keys=lambda: [cls.thematic_field_id])


class EvaluatorCofundedExperience(_Experience, Model):
    """Sections 11–12: design, coordination, management or control of co-funded actions,
    or HR support studies, in the last five years (E-1, ΒΕ2)."""

    __tablename__ = "evaluator_cofunded_experience"


class EvaluatorProfessionalExperience(_Experience, Model):
    """Section 13: professional experience related to the degree, with person-months
    (E-1, ΒΕ2); `teaching` marks teaching a related subject (E-1 art. 3.1β)."""

    __tablename__ = "evaluator_professional_experience"
    teaching: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)


class _Preference(_FileRow):
    priority: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 = first choice


class EvaluatorFieldPreference(_Preference, Model):
    """Section 15: ranked thematic fields."""

    __tablename__ = "evaluator_field_preference"
    __table_args__ = (UniqueConstraint("evaluator_id", "thematic_field_id", name="uq_field_pref"),
                      UniqueConstraint("evaluator_id", "priority", name="uq_field_pref_priority"),
                      sort_index("evaluator_field_preference", "priority"))
    thematic_field_id: Mapped[int] = mapped_column(ForeignKey("thematic_field.id"), nullable=False)
    thematic_field: Mapped[ThematicField] = relationship()


class EvaluatorGroupPreference(_Preference, Model):
    """Section 16: ranked target groups."""

    __tablename__ = "evaluator_group_preference"
    __table_args__ = (UniqueConstraint("evaluator_id", "target_group_id", name="uq_group_pref"),
                      UniqueConstraint("evaluator_id", "priority", name="uq_group_pref_priority"),
                      sort_index("evaluator_group_preference", "priority"))
    target_group_id: Mapped[int] = mapped_column(ForeignKey("target_group.id"), nullable=False)
    target_group: Mapped[TargetGroup] = relationship()


class EvaluatorRegionPreference(_Preference, Model):
    """Section 17: ranked regions (E-6/E-8: the first 6 by priority are kept)."""

    __tablename__ = "evaluator_region_preference"
    __table_args__ = (UniqueConstraint("evaluator_id", "region_id", name="uq_region_pref"),
                      UniqueConstraint("evaluator_id", "priority", name="uq_region_pref_priority"),
                      sort_index("evaluator_region_preference", "priority"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)
    region: Mapped[Region] = relationship()


class EvaluatorStatusChange(_FileRow, Model):
    """The file's history: every status change with its date and reason (E-2, E-5).
    Never deleted; a correction is a new entry."""

    __tablename__ = "evaluator_status_change"
    __table_args__ = (sort_index("evaluator_status_change", "changed_at"),)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    from_status: Mapped[EvaluatorStatus | None] = mapped_column(_enum(EvaluatorStatus, "evaluator_status"))
    to_status: Mapped[EvaluatorStatus] = mapped_column(_enum(EvaluatorStatus, "evaluator_status"), nullable=False,
                                                       info=unindexed_filter("six statuses"))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))


class ScoringTable(Audited, ReferenceData, Timestamped, Model):
    """E-7: the ΒΕ1/ΒΕ2 points table (Annex IV is missing). One row (id 1), edited by
    the Admin; a change recomputes every ΒΕ in the same transaction."""

    __tablename__ = "scoring_table"
    __table_args__ = bounded("one row: the E-7 points table")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_degree: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("20"))
    further_degree: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("5"))
    further_degree_max: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("5"))
    master: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("10"))
    phd: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("15"))
    training: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("5"))
    training_max: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("5"))
    language: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("2.5"))
    language_max: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("5"))
    qualification_max: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("50"))
    cofunded_per_month: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0.5"))
    cofunded_max: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("30"))
    professional_per_month: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("0.25"))
    professional_max: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("20"))
    experience_max: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("50"))

    def __repr__(self) -> str:
        return "ΒΕ1/ΒΕ2"


class ProtocolCounter(SystemRecord, Model):
    """The last protocol number given in a year (E-3): gap-free, one row per year,
    taken under a row lock by one UPDATE … RETURNING."""

    __tablename__ = "evaluator_protocol_counter"
    __table_args__ = bounded("one row per year")
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class RegistrationRequest(Audited, SystemRecord, Model):
    """A candidate's self-registration awaiting e-mail confirmation: only the token's
    hash and the password hash are kept; confirmed once."""

    __tablename__ = "evaluator_registration"
    __table_args__ = large("a row per candidate's self-registration")
    __audit_secret__ = frozenset({"token_hash", "password_hash"})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    first_name: Mapped[str] = mapped_column(String(80), nullable=False)
    last_name: Mapped[str] = mapped_column(String(80), nullable=False)
    afm: Mapped[str] = mapped_column(String(9), nullable=False, info={"tax_number": True})  # F16: check digit
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
