"""FAB security manager: the extended user, POST-only logout, password change that asks
for the current password, and rate limits on every login endpoint."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, NoReturn

from flask import Flask, abort, current_app, flash, g, redirect, request, session as cookie_session
from flask_appbuilder import expose, has_access
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import (AuthDBView, RoleModelView, SimpleFormView, UserDBModelView,
                                             UserGroupModelView, UserStatsChartView)
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import JWTManager
from flask_login import logout_user
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response
from wtforms import Field, Form, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Optional, ValidationError

from app import audit
from app.errors import Refused
from app.extensions import csrf
from app.permission_cache import PermissionCacheMixin
from app.centres import centre_by_code
from app.rules.identifiers import afm_is_valid
from models.evaluators import Evaluator
from models.users import AppUser

log = logging.getLogger(__name__)
EPOCH_KEY = "_ep"  # the user's auth_epoch when the session or token was issued (F5)
USER_EXTRA = ["centre", "evaluator", "afm", "teacher_registry_no"]
# In forms the centre and the evaluator file are typed by code: a select would load
# every centre (10,000) and every evaluator (100,000) into the page (FAB #796).
USER_FORM_EXTRA = ["centre_code", "evaluator_registry_no", "afm", "teacher_registry_no"]


LINK_FIELDS = {
    "centre_code": StringField(_l("Centre code"), validators=[Optional()], widget=BS3TextFieldWidget(),
                               description=_l("For centre managers, e.g. KSE00001")),
    "evaluator_registry_no": StringField(_l("Evaluator registry no."), validators=[Optional()],
                                         widget=BS3TextFieldWidget(), description=_l("For evaluators, e.g. EMA000001")),
}


def _validate_afm(form: Form, field: Field) -> None:
    if field.data and not afm_is_valid(field.data):
        raise ValidationError(_l("Invalid tax number (Α.Φ.Μ.): check digit mismatch."))


USER_SEARCH = ["first_name", "last_name", "username", "email", "active", "roles", "groups"]


class BackofficeUserDBModelView(UserDBModelView):
    add_columns = UserDBModelView.add_columns + USER_FORM_EXTRA
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles"] + USER_FORM_EXTRA
    add_form_extra_fields = {**UserDBModelView.add_form_extra_fields, **LINK_FIELDS}
    edit_form_extra_fields = LINK_FIELDS
    validators_columns = {"afm": [Optional(), _validate_afm]}
    list_columns = ["first_name", "last_name", "username", "email", "active", "roles", "centre"]
    # Every evaluator has an account: sorts and filters on indexed columns only (issue #13),
    # not FAB's every column (login counts, dates).
    order_columns = ["first_name", "last_name", "username", "email"]
    search_columns = USER_SEARCH

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name: str, pk: str) -> Any:
        """FAB answers an action the user may not run with a redirect and a flash; here it
        is a 403 like every other view (the permission matrix), a missing row a 404."""
        if name not in self.actions:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return self.actions[name].func(item)
    show_fieldsets = [
        (_l("User"), {"fields": ["first_name", "last_name", "username", "active", "email", "roles"]}),
        (_l("Organisation"), {"fields": USER_EXTRA}),
        (_l("History"), {"fields": ["last_login", "login_count", "created_on", "changed_on"],
                          "expanded": False}),
    ]
    label_columns = {
        **UserDBModelView.label_columns,
        "centre_code": _l("Centre code"),
        "evaluator_registry_no": _l("Evaluator registry no."),
        "centre": _l("Centre"),
        "evaluator": _l("Evaluator"),
        "afm": _l("Tax no. (AFM)"),
        "teacher_registry_no": _l("Teacher registry no."),
    }

    def _link_by_code(self, item: AppUser) -> None:
        session = self.datamodel.session
        form = request.form
        with session.no_autoflush:  # the new user is not in the session yet
            self._resolve_codes(item, session, form)

    @staticmethod
    def _resolve_codes(item: AppUser, session: Session, form: Mapping[str, str]) -> None:
        centre_code = (form.get("centre_code") or "").strip()
        registry_no = (form.get("evaluator_registry_no") or "").strip()
        item.centre = centre_by_code(session, centre_code)
        if centre_code and item.centre is None:
            raise Refused(_l("No centre has the code %(code)s."), field="centre_code", code=centre_code)
        item.evaluator = session.query(Evaluator).filter_by(registry_no=registry_no).one_or_none() if registry_no else None
        if registry_no and item.evaluator is None:
            raise Refused(_l("No evaluator has the registry number %(no)s."), field="evaluator_registry_no",
                          no=registry_no)

    def _init_properties(self) -> None:
        super()._init_properties()
        from app.hardening import guard_writes

        guard_writes(self)  # F15: no exception text in flash messages

    def prefill_form(self, form: DynamicForm, pk: str) -> None:
        item = self.datamodel.get(pk)
        form.centre_code.data = item.centre.code if item and item.centre else ""
        form.evaluator_registry_no.data = item.evaluator.registry_no if item and item.evaluator else ""

    def pre_add(self, item: AppUser) -> None:
        self._link_by_code(item)
        super().pre_add(item)

    def pre_update(self, item: AppUser) -> None:
        self._link_by_code(item)
        super().pre_update(item)


class BackofficeAuthDBView(AuthDBView):
    login_template = "backoffice/login_db.html"  # adds «Ανάκτηση κωδικών» (K-10, views.centres)

    @expose("/logout/", methods=["GET"])
    def logout_get(self) -> NoReturn:
        # A link (or an <img>) must never log anyone out: FAB's logout is a GET.
        abort(405)

    @expose("/logout/", methods=["POST"])
    def logout(self) -> Response:
        user = self._get_authenticated_user()
        logout_user()
        cookie_session.clear()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(self.appbuilder.get_url_for_index)


def _current_password_matches(form: Form, field: Field) -> None:
    if not g.user or not check_password_hash(g.user.password or "", field.data or ""):
        raise ValidationError(_l("The current password is not correct."))


REQUIRED = _l("This field is required.")


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password under FAB's complexity policy, typed twice. A function, not a base
    form, so that each form places the pair where it is called (field order)."""
    return (
        PasswordField(_l("New password"), validators=[DataRequired(message=REQUIRED), PasswordComplexityValidator()],
                      widget=BS3PasswordFieldWidget()),
        PasswordField(_l("Confirm new password"),
                      validators=[EqualTo("password", message=_l("The passwords do not match."))],
                      widget=BS3PasswordFieldWidget()),
    )


class ChangeOwnPasswordForm(DynamicForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(message=REQUIRED), _current_password_matches],
                                     widget=BS3PasswordFieldWidget())
    password, conf_password = new_password_fields()


class ChangeOwnPasswordView(SimpleFormView):
    """FAB's own-password form does not ask for the current password (PR #1553)."""

    route_base = "/resetmypassword"
    form = ChangeOwnPasswordForm
    form_title = _l("Change password")
    redirect_url = "/"

    def form_post(self, form: ChangeOwnPasswordForm) -> None:
        self.appbuilder.sm.reset_password(g.user.id, form.password.data)
        audit.record_action(self.appbuilder.sm.session, "change_own_password", table="ab_user",
                            record_id=str(g.user.id))
        self.appbuilder.sm.session.commit()
        flash(str(_l("Your password was changed.")), "info")


class BackofficeRoleModelView(RoleModelView):
    """FAB's role view, with its actions POST-only (CSRF-checked) and always handed a
    list: FAB's single-row GET route passes one Role to `copy_role`, which iterates it
    (a 500 the fuzzer found)."""

    class_permission_name = "RoleModelView"  # FAB's own permission name, unchanged
    search_columns = ["name", "permissions", "groups"]  # not "user": its search box would load every account

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    @has_access
    def action(self, name: str, pk: str) -> Response:
        if name not in self.actions:
            abort(404)
        item = self.datamodel.get(pk)
        if item is None:
            abort(404)
        response: Response = self.actions[name].func([item])
        return response


class BackofficeUserStatsChartView(UserStatsChartView):
    """FAB's user statistics chart reads `group_by` with int() and indexes its
    definitions: `/chart/x` or `/chart/9` was a 500 (F4, found by the permission matrix).
    Here anything but a known index is a 404."""

    class_permission_name = "UserStatsChartView"  # FAB's own permission name, unchanged
    route_base = "/userstatschartview"
    search_columns = USER_SEARCH

    @expose("/chart/<group_by>")
    @expose("/chart/")
    @has_access
    def chart(self, group_by: str = "0") -> Any:
        if str(group_by) not in {str(n) for n in range(len(self.definitions))}:
            abort(404)
        return super().chart(int(group_by))


class BackofficeGroupModelView(UserGroupModelView):
    """FAB's group view without the "users" filter: its search box would load every
    account (issue #13)."""

    class_permission_name = "UserGroupModelView"  # FAB's own permission name, unchanged
    search_columns = ["name", "label", "description", "roles"]


class BackofficeSecurityManager(PermissionCacheMixin, SecurityManager):
    user_model = AppUser
    userdbmodelview = BackofficeUserDBModelView
    rolemodelview = BackofficeRoleModelView
    groupmodelview = BackofficeGroupModelView
    userstatschartview = BackofficeUserStatsChartView
    authdbview = BackofficeAuthDBView
    resetmypasswordview = ChangeOwnPasswordView

    # --- F5: logout, password change or reset and deactivation end every session --------
    def create_jwt_manager(self, app: Flask) -> JWTManager:
        manager: JWTManager = super().create_jwt_manager(app)
        manager.additional_claims_loader(self._token_claims)
        return manager

    def _token_claims(self, identity: str) -> dict[str, int]:
        user = self.get_user_by_id(int(identity))
        return {EPOCH_KEY: user.auth_epoch or 0} if user is not None else {}

    def load_user(self, pk: str) -> AppUser | None:
        user: AppUser | None = super().load_user(pk)
        if user is not None and cookie_session.get(EPOCH_KEY) != (user.auth_epoch or 0):
            return None  # a cookie from before a logout, password change or deactivation
        return user

    def load_user_jwt(self, _jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> AppUser | None:  # JSON
        user: AppUser | None = self.get_user_by_id(int(jwt_data["sub"]))
        if user is None or not user.is_active or jwt_data.get(EPOCH_KEY) != (user.auth_epoch or 0):
            return None
        g.user = user
        return user

    def on_user_login(self, user: AppUser) -> None:
        cookie_session[EPOCH_KEY] = user.auth_epoch or 0

    def on_user_logout(self, user: AppUser) -> None:
        user = self.get_user_by_id(user.id)
        user.end_sessions()
        audit.record_action(self.session, "logout", table="ab_user", record_id=str(user.id))
        self.session.commit()

    # --- F9: failed logins leave a trace -------------------------------------------------
    def auth_user_db(self, username: str | None, password: str | None) -> AppUser | None:
        user: AppUser | None = super().auth_user_db(username, password)
        if user is None:
            name = (username or "")[:64]
            log.warning("failed login for %r (request %s)", name, getattr(g, "request_id", "-"))
            self.session.rollback()
            audit.record_action(self.session, "login_failed", table="ab_user", details={"username": name})
            self.session.commit()
        return user

    def register_views(self) -> None:
        super().register_views()
        # F8: the current-password check is throttled like the login.
        password_view = next(v for v in self.appbuilder.baseviews if isinstance(v, ChangeOwnPasswordView))
        if self.is_auth_limited:
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(password_view.blueprint)
        # FAB limits /login/ only; the JWT login API must not be an unlimited side door.
        api = next(v for v in self.appbuilder.baseviews if v.__class__ is self.security_api)
        if self.is_auth_limited:
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(api.blueprint)
        # The JWT login carries no cookie, so there is nothing for CSRF to protect.
        csrf.exempt(api.blueprint)
        current_app.extensions["backoffice_limiter"] = self.limiter
