"""FAB security manager: the extended user, POST-only logout, password change that asks
for the current password, and rate limits on every login endpoint."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect
from flask_appbuilder import expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView, SimpleFormView, UserDBModelView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app import audit
from app.extensions import csrf
from models.users import AppUser

USER_EXTRA = ["centre", "evaluator", "afm", "teacher_registry_no"]


class BackofficeUserDBModelView(UserDBModelView):
    add_columns = UserDBModelView.add_columns + USER_EXTRA
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles"] + USER_EXTRA
    list_columns = ["first_name", "last_name", "username", "email", "active", "roles", "centre"]
    show_fieldsets = [
        (_l("User"), {"fields": ["first_name", "last_name", "username", "active", "email", "roles"]}),
        (_l("Organisation"), {"fields": USER_EXTRA}),
        (_l("History"), {"fields": ["last_login", "login_count", "created_on", "changed_on"],
                          "expanded": False}),
    ]
    label_columns = {
        "centre": _l("Centre"),
        "evaluator": _l("Evaluator"),
        "afm": _l("Tax no. (AFM)"),
        "teacher_registry_no": _l("Teacher registry no."),
    }


class BackofficeAuthDBView(AuthDBView):
    @expose("/logout/", methods=["GET"])
    def logout_get(self):
        # A link (or an <img>) must never log anyone out: FAB's logout is a GET.
        abort(405)

    @expose("/logout/", methods=["POST"])
    def logout(self):
        user = self._get_authenticated_user()
        logout_user()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(self.appbuilder.get_url_for_index)


def _current_password_matches(form, field):
    if not g.user or not check_password_hash(g.user.password or "", field.data or ""):
        raise ValidationError(_l("The current password is not correct."))


class ChangeOwnPasswordForm(DynamicForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), _current_password_matches],
                                     widget=BS3PasswordFieldWidget())
    password = PasswordField(_l("New password"), validators=[DataRequired(), PasswordComplexityValidator()],
                             widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(_l("Confirm new password"),
                                  validators=[EqualTo("password", message=_l("The passwords do not match."))],
                                  widget=BS3PasswordFieldWidget())


class ChangeOwnPasswordView(SimpleFormView):
    """FAB's own-password form does not ask for the current password (PR #1553)."""

    route_base = "/resetmypassword"
    form = ChangeOwnPasswordForm
    form_title = _l("Change password")
    redirect_url = "/"

    def form_post(self, form):
        self.appbuilder.sm.reset_password(g.user.id, form.password.data)
        audit.record_action(self.appbuilder.sm.session, "change_own_password", table="ab_user",
                            record_id=str(g.user.id))
        self.appbuilder.sm.session.commit()
        flash(str(_l("Your password was changed.")), "info")


class BackofficeSecurityManager(SecurityManager):
    user_model = AppUser
    userdbmodelview = BackofficeUserDBModelView
    authdbview = BackofficeAuthDBView
    resetmypasswordview = ChangeOwnPasswordView

    def register_views(self):
        super().register_views()
        # FAB limits /login/ only; the JWT login API must not be an unlimited side door.
        api = next(v for v in self.appbuilder.baseviews if v.__class__ is self.security_api)
        if self.is_auth_limited:
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(api.blueprint)
        # The JWT login carries no cookie, so there is nothing for CSRF to protect.
        csrf.exempt(api.blueprint)
        current_app.extensions["backoffice_limiter"] = self.limiter
