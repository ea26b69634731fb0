"""Accounts: «Ανάκτηση κωδικών», credential recovery from the login page (K-10). Public
pages (no login); their POSTs are rate limited (RECOVERY_RATE_LIMIT). The operations are
in app.account."""
from __future__ import annotations

from flask import current_app, flash, redirect, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.security.decorators import limit
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, InputRequired

from app import account as service
from app.security import REQUIRED, new_password_fields
from views.fields import valid_afm, valid_am


class RecoveryForm(FlaskForm):
    kind = RadioField(_l("I will give my"), default="afm", validators=[InputRequired(message=REQUIRED)],
                      choices=[("afm", _l("Tax number (Α.Φ.Μ.)")), ("am", _l("Teacher registry number (Α.Μ.)"))])
    number = StringField(_l("Number"), validators=[DataRequired(message=REQUIRED)], widget=BS3TextFieldWidget(),
                         filters=[lambda v: v.strip() if isinstance(v, str) else v])

    def validate_number(self, field):
        if self.kind.data == "afm":
            valid_afm(self, field)
        else:
            valid_am(self, field)


class ResetForm(FlaskForm):
    password, conf_password = new_password_fields()


def _recovery_rate_limit() -> str:
    return current_app.config["RECOVERY_RATE_LIMIT"]


class RecoveryView(BaseView):
    """Public pages (no login). FAB's `limit` puts the limit on the view's blueprint:
    every POST of it (request and reset) counts against RECOVERY_RATE_LIMIT."""

    route_base = "/recover"
    default_view = "request_form"

    @expose("/", methods=["GET", "POST"])
    @limit(_recovery_rate_limit, methods=["POST"])
    def request_form(self):
        form = RecoveryForm()
        if form.validate_on_submit():
            base_url = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
            service.request_reset(self.appbuilder.session, form.kind.data, form.number.data, base_url=base_url,
                                  ip=request.remote_addr)
            # K-10: the same answer whether or not the number belongs to a user.
            return self.render_template("backoffice/recovery_sent.html", title=gettext("Credential recovery"))
        return self.render_template("backoffice/recovery_request.html", form=form,
                                    title=gettext("Credential recovery"))

    @expose("/reset/<token>", methods=["GET", "POST"])
    def reset(self, token):
        session = self.appbuilder.session
        if service.valid_token(session, token) is None:
            return self.render_template("backoffice/recovery_invalid.html", title=gettext("Credential recovery")), 404
        form = ResetForm()
        if form.validate_on_submit():
            if service.reset_password(session, token, form.password.data):
                flash(gettext("Your password was changed. Sign in with the new password."), "success")
                return redirect(self.appbuilder.get_url_for_login)
            return self.render_template("backoffice/recovery_invalid.html", title=gettext("Credential recovery")), 404
        return self.render_template("backoffice/recovery_reset.html", form=form, title=gettext("Set a new password"))


def register(appbuilder, add):
    appbuilder.add_view_no_menu(RecoveryView())
