"""The application user: FAB's `ab_user` extended (single-table, FAB's own pattern in
examples/extendsecurity) with what the row restrictions and credential recovery need."""
from __future__ import annotations

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User, assoc_user_role
from sqlalchemy import Column, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import relationship

from models.mixins import BOUNDED, LARGE, unindexed_filter


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


# FAB's security tables take no mixin: their sizes (models.mixins) are declared here. The
# users grow with the country (every evaluator and centre manager has an account); roles,
# permissions and views are fixed by the app's code (`flask roles sync`), groups are the
# Admin's few.
_FAB_TABLE_ROWS = {
    "ab_user": (LARGE, "an account per evaluator, centre manager and staff member"),
    "ab_user_role": (LARGE, "a row or two per account"),
    "ab_user_group": (LARGE, "a row per account in a group"),
    "ab_register_user": (LARGE, "pending self-registrations of FAB's own form"),
    "ab_api_key": (LARGE, "keys of accounts"),
    "ab_role": (BOUNDED, "the app's roles (app.roles): about ten, fixed by the code"),
    "ab_permission": (BOUNDED, "FAB's permission names (can_list, can_edit, …): tens, fixed by the code"),
    "ab_view_menu": (BOUNDED, "one per view and menu item of the app: about a hundred, fixed by the code"),
    "ab_permission_view": (BOUNDED, "permissions × views of the app: hundreds, fixed by the code"),
    "ab_permission_view_role": (BOUNDED, "the roles' grants (flask roles sync): hundreds, fixed by the code"),
    "ab_group": (BOUNDED, "groups of roles the Admin defines: a few"),
    "ab_group_role": (BOUNDED, "the roles of those few groups"),
}
for _name, (_rows, _reason) in _FAB_TABLE_ROWS.items():
    Model.metadata.tables[_name].info.update(rows=_rows, rows_reason=_reason)

# The user list sorts by name and filters by role (issue #13); the key follows the name,
# as FAB orders ties by it. "Active" is yes/no: the sort by name serves it.
Index("ix_ab_user_last_name", User.__table__.c.last_name, User.__table__.c.id)
Index("ix_ab_user_first_name", User.__table__.c.first_name, User.__table__.c.id)
Index("ix_ab_user_role_role_id", assoc_user_role.c.role_id)
User.__table__.c.active.info.update(unindexed_filter("active or not: two values"))
