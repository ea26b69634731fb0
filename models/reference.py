"""Reference data: regions (ΙΙb areas), prefectures (ΙΙa areas), thematic fields,
target groups and the 13 programme clusters Β2.1–Β2.13. Loaded from data/reference/
by `flask refdata load` (idempotent)."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import Audited, ReferenceData, bounded


class Region(Audited, ReferenceData, Model):
    """Περιφέρεια: codes 1–13 in the order of seed 003 section 17."""

    __tablename__ = "region"
    __table_args__ = bounded("13 regions, fixed by law (seed 003 section 17)")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    iso: Mapped[str | None] = mapped_column(String(4))
    name_el: Mapped[str] = mapped_column(String(120), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(120))

    def __repr__(self) -> str:
        return self.name_el


class Prefecture(Audited, ReferenceData, Model):
    """Νομός; belongs to one region."""

    __tablename__ = "prefecture"
    __table_args__ = bounded("the prefectures of Greece (about 50), fixed by law")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    name_el: Mapped[str] = mapped_column(String(120), nullable=False)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    region: Mapped[Region] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return self.name_el


class ThematicField(Audited, ReferenceData, Model):
    """One of the 9 thematic fields (seed 003 section 15)."""

    __tablename__ = "thematic_field"
    __table_args__ = bounded("9 thematic fields (seed 003 section 15)")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    name_el: Mapped[str] = mapped_column(String(200), nullable=False)

    def __repr__(self) -> str:
        return self.name_el


class TargetGroup(Audited, ReferenceData, Model):
    """One of the 12 target groups (seed 003 section 16)."""

    __tablename__ = "target_group"
    __table_args__ = bounded("12 target groups (seed 003 section 16)")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    name_el: Mapped[str] = mapped_column(String(200), nullable=False)

    def __repr__(self) -> str:
        return self.name_el


class Cluster(Audited, ReferenceData, Model):
    """Συστάδα Β2.n. The official specialty lists are not public, so `specialties`
    is an editable, semicolon-separated list kept by the Admin."""

    __tablename__ = "cluster"
    __table_args__ = bounded("13 programme clusters B2.1-B2.13")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name_el: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    specialties: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"{self.code} {self.name_el}"
