"""The application user: FAB's `ab_user` extended (single-table, FAB's own pattern in
examples/extendsecurity) with what the row restrictions and credential recovery need."""
from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, ForeignKey, Integer, String, event
from sqlalchemy.orm import relationship


class AppUser(User):
    # A centre manager's centre (K-2, K-3, K-5…); an evaluator's registry file (E-15).
    centre_id = Column(Integer, ForeignKey("centre.id"), nullable=True, index=True)
    centre = relationship("Centre", foreign_keys=[centre_id])
    evaluator_id = Column(Integer, ForeignKey("evaluator.id"), nullable=True, index=True)
    evaluator = relationship("Evaluator", foreign_keys=[evaluator_id])
    # Identifiers typed in "recover credentials" (K-10): tax number or teacher registry no.
    afm = Column(String(9), unique=True, nullable=True, info={"tax_number": True})  # F16: check digit
    teacher_registry_no = Column(String(16), unique=True, nullable=True)
    # Every session cookie and JWT carries the value it was issued with; raising it ends
    # them all at once (logout, password change or reset, deactivation: review F5).
    auth_epoch = Column(Integer, nullable=False, default=0, server_default="0")

    def end_sessions(self) -> None:
        self.auth_epoch = (self.auth_epoch or 0) + 1


@event.listens_for(AppUser.password, "set", active_history=True)
def _password_set(user, value, old, _initiator):
    if value != old:
        user.end_sessions()


@event.listens_for(AppUser.active, "set", active_history=True)
def _active_set(user, value, old, _initiator):
    if old is True and not value:
        user.end_sessions()
