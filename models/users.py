"""The application user: FAB's `ab_user` extended (single-table, FAB's own pattern in
examples/extendsecurity) with what the row restrictions and credential recovery need."""
from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship


class AppUser(User):
    # A centre manager's centre (K-2, K-3, K-5…); an evaluator's registry file (E-15).
    centre_id = Column(Integer, ForeignKey("centre.id"), nullable=True, index=True)
    centre = relationship("Centre", foreign_keys=[centre_id])
    evaluator_id = Column(Integer, ForeignKey("evaluator.id"), nullable=True, index=True)
    evaluator = relationship("Evaluator", foreign_keys=[evaluator_id])
    # Identifiers typed in "recover credentials" (K-10): tax number or teacher registry no.
    afm = Column(String(9), unique=True, nullable=True)
    teacher_registry_no = Column(String(16), unique=True, nullable=True)
