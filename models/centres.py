"""Training support centres (ΚΣΕ). Rules K-1, K-2, K-3, K-11 build on this module."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String
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
