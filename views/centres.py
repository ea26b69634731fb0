"""Training support centres (ΚΣΕ) – menu «Διαχείριση πόρων ΚΣΕ»: rooms and workstations
(K-1), coordinators and technical managers (K-2), teacher-council minutes and the staff
final submission (K-3), credential recovery (K-10); the help desk reads all (K-11).

Row restriction is app.access everywhere (BackofficeModelView for the CRUD views; the
custom endpoints below call access.row_clause/is_visible themselves). The operations
are in app.centres and app.recovery; these views only translate HTTP.
"""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access, permission_name
from flask_appbuilder.actions import action
from flask_appbuilder.fields import EnumField
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import inspect, select
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Optional, ValidationError

from app import access, recovery
from app.search import FOLDED_FILTERS
from app import centres as service
from app.roles import ADMIN, CENTRE_MANAGER, READ
from app.security import REQUIRED, new_password_fields
from app.rules.centres import teacher_registry_no_is_valid
from app.rules.identifiers import afm_is_valid
from models.centres import (Centre, EvaluationResult, Room, RoomKind, StaffMember, StaffRole, StaffSubmission,
                            TeacherCouncilMinutes, TrainingPeriod, Workstation)
from views.base import BackofficeModelView, BackofficeView, Refused

CATEGORY = "Centre resources"
CATEGORY_LABEL = _l("Centre resources")

YES_NO = {True: _l("Yes"), False: _l("No")}

CENTRE_LABELS = {
    "code": _l("Centre code"),
    "name": _l("Centre name"),
    "legal_representative": _l("Legal representative"),
    "prefecture": _l("Prefecture"),
    "prefecture.name_el": _l("Prefecture"),
    "region": _l("Region"),
    "address": _l("Address"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "managers": _l("Centre manager"),
}
LABELS = {
    "centre": _l("Centre"),
    "centre.code": _l("Centre code"),
    "code": _l("Code"),
    "name": _l("Name"),
    "kind": _l("Type"),
    "capacity": _l("Capacity"),
    "certified": _l("Certified"),
    "evaluation_result": _l("Evaluation result"),
    "evaluated_on": _l("Evaluated on"),
    "evaluation_notes": _l("Evaluation notes"),
    "certified_workstations": _l("Certified workstations"),
    "uncertified_workstations": _l("Uncertified workstations"),
    "certified_link": _l("Certified workstations"),
    "uncertified_link": _l("Uncertified workstations"),
    "room": _l("Room"),
    "room_id": _l("Room (id)"),
    "room.code": _l("Room"),
    "inventory_code": _l("Inventory code"),
    "cpu": _l("Processor"),
    "ram_gb": _l("Memory (GB)"),
    "disk_gb": _l("Disk (GB)"),
    "operating_system": _l("Operating system"),
    "monitor": _l("Monitor"),
    "network": _l("Network"),
    "notes": _l("Notes"),
    "role": _l("Role"),
    "last_name": _l("Last name"),
    "first_name": _l("First name"),
    "father_name": _l("Father's name"),
    "afm": _l("Tax no. (AFM)"),
    "teacher_registry_no": _l("Teacher registry no."),
    "specialty": _l("Specialty"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "confirmed_in": _l("Confirmed in the minutes"),
    "confirmed_at": _l("Confirmed at"),
    "training_period": _l("Training period"),
    "training_period.code": _l("Training period"),
    "version": _l("Version"),
    "file_link": _l("File"),
    "original_name": _l("File name"),
    "sha256": _l("SHA-256"),
    "size_bytes": _l("Size (bytes)"),
    "page_count": _l("Pages"),
    "uploaded_at": _l("Uploaded at (UTC)"),
    "uploaded_by": _l("Uploaded by"),
    "is_current": _l("Current"),
    "superseded_at": _l("Replaced at (UTC)"),
    "attempt": _l("Attempt"),
    "submitted_at": _l("Submitted at (UTC)"),
    "submitted_by": _l("Submitted by"),
    "minutes": _l("Minutes"),
    "staff_count": _l("Members"),
    "snapshot_text": _l("Staff as submitted"),
    "is_final": _l("Final"),
    "reopened_at": _l("Reopened at (UTC)"),
    "reopened_by": _l("Reopened by"),
    "reopen_reason": _l("Reason for reopening"),
    "starts_on": _l("Starts on"),
    "ends_on": _l("Ends on"),
    "staff_opens_at": _l("Staff window opens"),
    "staff_closes_at": _l("Staff window closes"),
    "minutes_deadline": _l("Minutes deadline"),
}


def _yes_no(value):
    return YES_NO[bool(value)]


def _label(enum_class):
    """List/show formatter: FAB hands enums over as their value; show the label."""
    return lambda value: enum_class(value).label if value is not None else ""


def is_admin() -> bool:
    return ADMIN in access.role_names()




# --- shared view behaviour ----------------------------------------------------------------


class LabelledEnumField(EnumField):
    """FAB's EnumField shows `member.value`; this one shows the translated label."""

    def __init__(self, enum_class, label=None, validators=None, **kwargs):
        super().__init__(enum_class, list(enum_class.__members__), label=label, validators=validators, **kwargs)
        self.choices = [(name, member.label) for name, member in enum_class.__members__.items()]



class AdminColumnsMixin:
    """Form columns per role. `admin_only_columns` (e.g. K-1 certification) are removed
    from everyone else's add and edit forms themselves – a posted value is never read,
    not just hidden; `non_admin_columns` are removed from the Admin's (who types codes
    instead of choosing among 10,000 centres or 20,000 rooms, FAB #796)."""

    admin_only_columns: tuple[str, ...] = ()
    non_admin_columns: tuple[str, ...] = ()
    _add_form_all = None
    _edit_form_all = None

    def _for_user(self, form):
        if form is None:
            return form
        removed = self.non_admin_columns if is_admin() else self.admin_only_columns
        if not removed:
            return form
        cache = self.__dict__.setdefault("_restricted_forms", {})
        if (form, removed) not in cache:
            cache[(form, removed)] = type(form.__name__, (form,), {c: None for c in removed})
        return cache[(form, removed)]

    @property
    def add_form(self):
        return self._for_user(self._add_form_all)

    @add_form.setter
    def add_form(self, value):
        self._add_form_all = value

    @property
    def edit_form(self):
        return self._for_user(self._edit_form_all)

    @edit_form.setter
    def edit_form(self, value):
        self._edit_form_all = value

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        widgets = widgets or {}
        widgets["add"] = self.add_widget(form=form, include_cols=[c for c in self.add_columns if c in form],
                                         exclude_cols=exclude_cols or [], fieldsets=self.add_fieldsets)
        return widgets

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        widgets = widgets or {}
        widgets["edit"] = self.edit_widget(form=form, include_cols=[c for c in self.edit_columns if c in form],
                                           exclude_cols=exclude_cols or [], fieldsets=self.edit_fieldsets)
        return widgets


def _code_field(label, example):
    return StringField(label, validators=[DataRequired(message=REQUIRED)], widget=BS3TextFieldWidget(),
                       filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       description=_l("For example %(example)s", example=example))


class CentreAreaView(BackofficeModelView):
    """Refusals roll the session back, so a refused edit leaves nothing half-applied."""

    label_columns = LABELS

    def _refuse(self, message: str):
        self.datamodel.session.rollback()
        raise Refused(message)

    def _centre_from_code(self) -> Centre | None:
        """The Admin's typed centre code (form field `centre_code`), as a centre."""
        code = request.form.get("centre_code")
        if code is None:
            return None
        with self.datamodel.session.no_autoflush:
            centre = service.centre_by_code(self.datamodel.session, code)
        if centre is None:
            self._refuse(gettext("No centre has the code %(code)s.", code=code.strip()))
        return centre

    def prefill_form(self, form, pk):
        if "centre_code" in form:
            item = self.datamodel.get(pk, self._base_filters)
            centre = getattr(item, "centre", None) or getattr(getattr(item, "room", None), "centre", None)
            form.centre_code.data = centre.code if centre else ""

    def pre_add(self, item):
        try:
            super().pre_add(item)
        except Refused:
            self.datamodel.session.rollback()
            raise

    def pre_update(self, item):
        try:
            super().pre_update(item)
        except Refused:
            self.datamodel.session.rollback()
            raise


# --- centres and training periods ---------------------------------------------------------------


class TrainingPeriodView(CentreAreaView):
    """Admin keeps the training periods and their staff and minutes windows (K-2, K-3)."""

    datamodel = SQLAInterface(TrainingPeriod)
    title = _l("Training periods")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"]
    list_columns = ["code", "name", "starts_on", "ends_on", "staff_opens_at", "staff_closes_at", "minutes_deadline"]
    show_columns = add_columns = edit_columns = export_columns = list_columns
    search_columns = ["code", "name"]
    order_columns = ["code", "starts_on"]
    base_order = ("starts_on", "desc")
    description_columns = {
        "staff_opens_at": _l("Local time (Europe/Athens). Centre managers change their staff from this moment."),
        "staff_closes_at": _l("Local time (Europe/Athens). After it the staff lists are read-only."),
        "minutes_deadline": _l("Local time (Europe/Athens). Last moment to upload the teacher-council minutes."),
    }
    role_permissions = {CENTRE_MANAGER: READ}

    def _check_dates(self, item):
        if item.starts_on and item.ends_on and item.ends_on < item.starts_on:
            self._refuse(gettext("The period cannot end before it starts."))
        if (item.staff_opens_at is None) != (item.staff_closes_at is None):
            self._refuse(gettext("Give both ends of the staff window, or neither."))
        if item.staff_opens_at and item.staff_closes_at and item.staff_closes_at <= item.staff_opens_at:
            self._refuse(gettext("The staff window must close after it opens."))

    def pre_add(self, item):
        super().pre_add(item)
        self._check_dates(item)

    def pre_update(self, item):
        super().pre_update(item)
        self._check_dates(item)


# --- K-1: rooms and workstations -------------------------------------------------------------


class WorkstationView(AdminColumnsMixin, CentreAreaView):
    """K-1. Certification is the Admin's decision: the manager's forms have no
    `certified` field; a manager may describe new (uncertified) workstations and change
    or delete only uncertified ones."""

    datamodel = SQLAInterface(Workstation)
    title = _l("Workstations")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"]
    list_columns = ["room", "inventory_code", "certified", "cpu", "ram_gb", "disk_gb", "operating_system", "monitor",
                    "network"]
    show_columns = list_columns + ["notes"]
    add_columns = edit_columns = ["room", "centre_code", "room_code", "inventory_code", "certified", "cpu", "ram_gb",
                                  "disk_gb", "operating_system", "monitor", "network", "notes"]
    export_columns = ["room.centre.code", "room.code", "inventory_code", "certified", "cpu", "ram_gb", "disk_gb",
                      "operating_system", "monitor", "network", "notes"]
    # FAB makes a non-nullable boolean "required": unticked could then never be saved.
    validators_columns = {"certified": [Optional()]}
    admin_only_columns = ("certified", "centre_code", "room_code")
    non_admin_columns = ("room",)
    add_form_extra_fields = edit_form_extra_fields = {
        "centre_code": _code_field(_l("Centre code"), "KSE00001"),
        "room_code": _code_field(_l("Room code"), "Ε1"),
    }
    search_columns = ["inventory_code", "room_id", "certified", "cpu", "operating_system"]
    order_columns = ["inventory_code", "certified", "ram_gb", "disk_gb"]
    base_order = ("inventory_code", "asc")
    formatters_columns = {"certified": _yes_no}
    label_columns = {**LABELS, "room.centre.code": _l("Centre code")}
    role_permissions = {CENTRE_MANAGER: READ | {"can_add", "can_edit"}}

    def _room_from_codes(self, item):
        centre = self._centre_from_code()
        if centre is None:
            return
        code = (request.form.get("room_code") or "").strip()
        with self.datamodel.session.no_autoflush:
            room = self.datamodel.session.scalars(
                select(Room).where(Room.centre_id == centre.id, Room.code == code)).first()
        if room is None:
            self._refuse(gettext("Centre %(centre)s has no room %(room)s.", centre=centre.code, room=code))
        item.room = room

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)
        if "room_code" in form:
            item = self.datamodel.get(pk, self._base_filters)
            form.room_code.data = item.room.code if item and item.room else ""

    def pre_add(self, item):
        self._room_from_codes(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._room_from_codes(item)
        super().pre_update(item)
        # The manager's form has no `certified` field, so this is the stored value.
        if not is_admin() and item.certified:
            self._refuse(gettext("A certified workstation can be changed only by the Admin (K-1)."))

    def pre_delete(self, item):
        super().pre_delete(item)
        if not is_admin() and item.certified:
            raise Refused(gettext("A certified workstation can be removed only by the Admin (K-1)."))


class RoomView(CentreAreaView):
    """K-1: rooms/labs with certification, evaluation result, capacity and the counts of
    certified and uncertified workstations, each count a link to those workstations."""

    datamodel = SQLAInterface(Room)
    title = _l("Rooms / labs")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"]
    list_columns = ["centre", "code", "name", "kind", "capacity", "certified", "evaluation_result",
                    "certified_link", "uncertified_link"]
    show_columns = ["centre", "code", "name", "kind", "capacity", "certified", "evaluation_result", "evaluated_on",
                    "evaluation_notes", "certified_link", "uncertified_link"]
    add_columns = edit_columns = ["centre_code", "code", "name", "kind", "capacity", "certified",
                                  "evaluation_result", "evaluated_on", "evaluation_notes"]
    export_columns = ["centre.code", "code", "name", "kind", "capacity", "certified", "evaluation_result",
                      "evaluated_on", "certified_workstations", "uncertified_workstations"]
    search_columns = ["code", "name", "certified"]
    order_columns = ["code", "name", "capacity"]
    base_order = ("code", "asc")
    formatters_columns = {"certified": _yes_no, "kind": _label(RoomKind),
                          "evaluation_result": _label(EvaluationResult)}
    related_views = [WorkstationView]
    role_permissions = {CENTRE_MANAGER: READ}
    validators_columns = {"certified": [Optional()]}  # see WorkstationView
    add_form_extra_fields = edit_form_extra_fields = {
        "centre_code": _code_field(_l("Centre code"), "KSE00001"),
        "kind": LabelledEnumField(RoomKind, label=_l("Type"), validators=[DataRequired(message=_l("This field is required."))]),
        "evaluation_result": LabelledEnumField(EvaluationResult, label=_l("Evaluation result"),
                                               validators=[DataRequired(message=_l("This field is required."))]),
    }

    def _check(self, item):
        if item.certified and item.evaluation_result is not EvaluationResult.positive:
            self._refuse(gettext("Only a room with a positive evaluation can be certified (K-1)."))

    def pre_add(self, item):
        item.centre = self._centre_from_code()
        super().pre_add(item)
        self._check(item)

    def pre_update(self, item):
        item.centre = self._centre_from_code()
        super().pre_update(item)
        self._check(item)


# --- K-2: staff ----------------------------------------------------------------------------


def _form_centre_id(form) -> int | None:
    if "centre_code" in form:
        centre = service.centre_by_code(current_app.appbuilder.session, form.centre_code.data)
        return centre.id if centre else None
    return access.managed_centre_id()


class UniqueInCentre:
    """K-2: an Α.Φ.Μ. or Α.Μ. appears once among the staff of one centre."""

    def __init__(self, column, message):
        self.column = column
        self.message = message

    def __call__(self, form, field):
        value = (field.data or "").strip()
        centre_id = _form_centre_id(form)
        if not value or centre_id is None:
            return
        stmt = select(StaffMember.id).where(StaffMember.centre_id == centre_id, self.column == value)
        if getattr(form, "_id", None) is not None:
            stmt = stmt.where(StaffMember.id != int(form._id))
        if current_app.appbuilder.session.execute(stmt).first():
            raise ValidationError(str(self.message))


def _valid_afm(form, field):
    if field.data and not afm_is_valid(field.data.strip()):
        raise ValidationError(gettext("Invalid tax number (Α.Φ.Μ.): nine digits with a valid check digit."))


def _valid_am(form, field):
    if field.data and not teacher_registry_no_is_valid(field.data.strip()):
        raise ValidationError(gettext("Invalid teacher registry number (Α.Μ.): six digits."))


class ReadOnlyAwareListWidget(ListWidget):
    """FAB's list without add/edit/delete buttons when `readonly` (K-2 lock)."""

    template = "backoffice/widgets/list.html"
IDENTITY_FIELDS = ("last_name", "first_name", "afm", "teacher_registry_no")


class StaffView(AdminColumnsMixin, CentreAreaView):
    """K-2: while the open period's staff window lasts and until the final submission,
    the centre manager views, edits, adds and deletes members of one role."""

    datamodel = SQLAInterface(StaffMember)
    staff_role: StaffRole
    show_title, add_title, edit_title = _l("Member details"), _l("New member"), _l("Edit member details")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"]
    list_columns = ["centre", "last_name", "first_name", "afm", "teacher_registry_no", "specialty", "confirmed_in"]
    show_columns = ["centre", "role", "last_name", "first_name", "father_name", "afm", "teacher_registry_no",
                    "specialty", "email", "phone", "confirmed_in", "confirmed_at"]
    add_columns = edit_columns = ["centre_code", "last_name", "first_name", "father_name", "afm",
                                  "teacher_registry_no", "specialty", "email", "phone"]
    export_columns = ["centre.code", "role", "last_name", "first_name", "father_name", "afm", "teacher_registry_no",
                      "specialty", "email", "phone", "confirmed_in", "confirmed_at"]
    admin_only_columns = ("centre_code",)
    add_form_extra_fields = edit_form_extra_fields = {"centre_code": _code_field(_l("Centre code"), "KSE00001")}
    search_columns = ["last_name", "first_name", "afm", "teacher_registry_no", "specialty"]
    order_columns = ["last_name", "first_name", "afm"]
    base_order = ("last_name", "asc")
    formatters_columns = {"role": _label(StaffRole), "confirmed_in": lambda v: v or "–"}
    list_widget = ReadOnlyAwareListWidget
    validators_columns = {
        "last_name": [DataRequired(message=REQUIRED)],
        "first_name": [DataRequired(message=REQUIRED)],
        "afm": [DataRequired(message=REQUIRED), _valid_afm,
                UniqueInCentre(StaffMember.afm, _l("A member of this centre already has this Α.Φ.Μ."))],
        "teacher_registry_no": [Optional(), _valid_am,
                                UniqueInCentre(StaffMember.teacher_registry_no,
                                               _l("A member of this centre already has this Α.Μ."))],
        "email": [Optional(), Email(message=_l("Invalid e-mail address."))],
    }
    role_permissions = {CENTRE_MANAGER: READ | {"can_add", "can_edit", "can_delete"}}

    def __init__(self, **kwargs):
        from flask_appbuilder.models.sqla.filters import FilterEqual

        self.base_filters = [access.ROW_SCOPE, ["role", FilterEqual, self.staff_role]]
        super().__init__(**kwargs)

    @staticmethod
    def _normalise(item):
        for name in ("last_name", "first_name", "father_name", "afm", "teacher_registry_no", "specialty", "email",
                     "phone"):
            value = getattr(item, name)
            if isinstance(value, str):
                setattr(item, name, value.strip() or None)

    def _writable(self, item):
        centre_id = item.centre.id if item.centre is not None else item.centre_id
        reason = service.staff_lock_reason(self.datamodel.session, centre_id)
        if reason:
            self._refuse(reason)

    def pre_add(self, item):
        self._normalise(item)
        item.role = self.staff_role
        if is_admin():
            item.centre = self._centre_from_code()
        super().pre_add(item)
        self._writable(item)

    def pre_update(self, item):
        self._normalise(item)
        # Read the history before any query autoflushes it away.
        state = inspect(item)
        if is_admin():
            centre = self._centre_from_code()
            if centre is not None and centre.id != item.centre_id:
                item.centre = centre
        identity_changed = any(state.attrs[name].history.has_changes() for name in IDENTITY_FIELDS + ("centre",))
        super().pre_update(item)
        self._writable(item)
        if identity_changed:
            # K-3: the confirmation was about the person as they were.
            item.confirmed_minutes_id = None
            item.confirmed_at = None

    def pre_delete(self, item):
        super().pre_delete(item)
        reason = service.staff_lock_reason(self.datamodel.session, item.centre_id)
        if reason:
            raise Refused(reason)

    def _get_list_widget(self, *args, **kwargs):
        reason = service.staff_lock_reason(self.datamodel.session, access.managed_centre_id())
        kwargs["readonly_reason"] = reason
        kwargs["readonly"] = bool(reason)
        return super()._get_list_widget(*args, **kwargs)


class CoordinatorView(StaffView):
    staff_role = StaffRole.coordinator
    list_title = _l("Coordination staff")


class TechnicalManagerView(StaffView):
    staff_role = StaffRole.technical_manager
    list_title = _l("Technical managers – trainer assistants")


# --- K-3: teacher-council minutes ---------------------------------------------------------------


class MinutesView(CentreAreaView):
    """K-3: Πρακτικό Συλλόγου Διδασκόντων. The list is the history (every period, every
    version); the centre manager uploads above it; the file is served only through
    `file`, checked against the very row."""

    datamodel = SQLAInterface(TeacherCouncilMinutes)
    title = _l("Teacher-council minutes")
    route_base = "/minutes"
    list_template = "backoffice/minutes_list.html"
    base_permissions = ["can_list", "can_show", "can_export", "can_upload"]
    list_columns = ["centre", "training_period", "version", "file_link", "page_count", "uploaded_at", "uploaded_by",
                    "is_current"]
    show_columns = ["centre", "training_period", "version", "file_link", "size_bytes", "page_count", "sha256",
                    "uploaded_at", "uploaded_by", "is_current", "superseded_at"]
    export_columns = ["centre.code", "training_period.code", "version", "original_name", "size_bytes", "page_count",
                      "sha256", "uploaded_at", "uploaded_by", "superseded_at"]
    search_columns = ["training_period", "original_name", "version"]
    order_columns = ["version", "uploaded_at"]
    base_order = ("uploaded_at", "desc")
    formatters_columns = {"is_current": _yes_no}
    role_permissions = {CENTRE_MANAGER: READ | {"can_upload"}}

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            centre_id = access.managed_centre_id()
            session = self.datamodel.session
            kwargs["upload_periods"] = service.minutes_periods(session) if centre_id else []
            kwargs["current_minutes"] = [
                (period, service.current_minutes(session, centre_id, period.id))
                for period in kwargs["upload_periods"]]
            kwargs["max_mb"] = f"{current_app.config.get('MINUTES_MAX_BYTES', 10485760) / 1048576:g}"
        return super().render_template(template, **kwargs)

    @expose("/upload/", methods=["POST"])
    @has_access
    def upload(self):
        centre_id = access.managed_centre_id()
        if centre_id is None:
            abort(403)  # only a centre manager uploads their centre's minutes
        session = self.datamodel.session
        period = session.get(TrainingPeriod, request.form.get("training_period", type=int) or 0)
        upload = request.files.get("file")
        if period is None:
            flash(gettext("Choose the training period."), "danger")
        elif upload is None or not upload.filename:
            flash(gettext("Choose the PDF file of the minutes."), "danger")
        else:
            try:
                minutes = service.store_minutes(session, centre_id=centre_id, period=period, stream=upload.stream,
                                                filename=upload.filename, user_id=g.user.id)
            except service.CentresError as exc:
                flash(str(exc), "danger")
            else:
                flash(gettext("The minutes of %(period)s were uploaded (version %(version)s).",
                              period=period.code, version=minutes.version), "success")
        return redirect(url_for(".list"))

    @expose("/file/<int:pk>")
    @has_access
    @permission_name("show")  # reading a row's file is showing the row (K-11: the help desk too)
    def file(self, pk):
        minutes = self._scoped_get(pk)
        path = service.minutes_path(minutes)
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype="application/pdf", as_attachment=True,
                             download_name=minutes.original_name, max_age=0, etag=minutes.sha256)
        response.headers["Cache-Control"] = "private, no-store"
        return response


# --- K-2, K-3: final submission of staff changes -------------------------------------------------


class StaffSubmissionView(CentreAreaView):
    """The staff final submissions of every centre and period (read); the Admin reopens
    one, giving the reason."""

    datamodel = SQLAInterface(StaffSubmission)
    title = _l("Staff submissions")
    base_permissions = ["can_list", "can_show", "can_export", "can_reopen_form"]
    list_columns = ["centre", "training_period", "attempt", "submitted_at", "submitted_by", "staff_count", "is_final",
                    "reopened_at", "reopen_reason"]
    show_columns = ["centre", "training_period", "attempt", "submitted_at", "submitted_by", "minutes", "staff_count",
                    "snapshot_text", "is_final", "reopened_at", "reopened_by", "reopen_reason"]
    export_columns = ["centre.code", "training_period.code", "attempt", "submitted_at", "submitted_by",
                      "staff_count", "reopened_at", "reopened_by", "reopen_reason"]
    search_columns = ["training_period", "attempt"]
    order_columns = ["submitted_at", "attempt"]
    base_order = ("submitted_at", "desc")
    formatters_columns = {"is_final": _yes_no}
    role_permissions = {CENTRE_MANAGER: READ}

    @action("reopen", _l("Reopen"), icon="fa-unlock", multiple=False, single=True)
    def reopen_action(self, item):
        return redirect(url_for(".reopen_form", pk=item.id))

    @expose("/reopen/<int:pk>", methods=["GET", "POST"])
    @has_access
    def reopen_form(self, pk):
        submission = self._scoped_get(pk)
        if request.method == "POST":
            try:
                service.reopen_submission(self.datamodel.session, submission, request.form.get("reason", ""),
                                          g.user.id)
            except service.CentresError as exc:
                flash(str(exc), "danger")
            else:
                flash(gettext("The staff submission was reopened."), "success")
                return redirect(url_for(".show", pk=pk))
        return self.render_template("backoffice/staff_reopen.html", submission=submission,
                                    title=gettext("Reopen the staff submission"))


class StaffFinalSubmissionView(BackofficeView):
    """«Οριστική υποβολή αίτησης αλλαγών στελεχικού δυναμικού» (K-2) with the per-member
    confirmation against the uploaded minutes (K-3). Works on the manager's own centre
    only: no centre id is ever taken from the request."""

    route_base = "/staff-submission"
    default_view = "list"
    role_permissions = {CENTRE_MANAGER: {"can_list", "can_confirm", "can_submit"}}

    def _context(self):
        session = self.appbuilder.session
        centre_id = access.managed_centre_id()
        if centre_id is None:
            return None
        period = service.current_staff_period(session)
        members = session.scalars(
            select(StaffMember).where(access.row_clause(StaffMember), StaffMember.centre_id == centre_id)
            .order_by(StaffMember.role, StaffMember.last_name, StaffMember.first_name)).all()
        return {
            "centre": session.get(Centre, centre_id),
            "period": period,
            "members": members,
            "check": service.submission_check(session, centre_id, period),
            "minutes": service.current_minutes(session, centre_id, period.id) if period else None,
            "submission": service.latest_submission(session, centre_id, period.id) if period else None,
        }

    @expose("/list/")
    @has_access
    def list(self):
        context = self._context()
        return self.render_template("backoffice/staff_final.html", context=context,
                                    title=gettext("Final submission of staff changes"))

    @expose("/confirm/", methods=["POST"])
    @has_access
    def confirm(self):
        centre_id = access.managed_centre_id()
        if centre_id is None:
            abort(403)
        session = self.appbuilder.session
        try:
            wanted = {int(v) for v in request.form.getlist("member")}
        except ValueError:
            abort(400)
        own = session.scalars(select(StaffMember).where(access.row_clause(StaffMember),
                                                        StaffMember.centre_id == centre_id)).all()
        if not wanted <= {m.id for m in own}:
            abort(403)  # a member of another centre (or none at all)
        try:
            service.save_confirmations(session, own, wanted)
        except service.CentresError as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("The confirmations were saved."), "success")
        return redirect(url_for(".list"))

    @expose("/submit/", methods=["POST"])
    @has_access
    def submit(self):
        centre_id = access.managed_centre_id()
        if centre_id is None:
            abort(403)
        session = self.appbuilder.session
        period = service.current_staff_period(session)
        if period is None:
            flash(gettext("No training period has an open staff window."), "danger")
            return redirect(url_for(".list"))
        try:
            service.submit_staff(session, centre_id, period, g.user.id)
        except service.CentresError as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("The staff changes for %(period)s were finally submitted.", period=period.code), "success")
        return redirect(url_for(".list"))


# --- K-10: credential recovery ---------------------------------------------------------------


class RecoveryForm(FlaskForm):
    kind = RadioField(_l("I will give my"), default="afm", validators=[InputRequired(message=REQUIRED)],
                      choices=[("afm", _l("Tax number (Α.Φ.Μ.)")), ("am", _l("Teacher registry number (Α.Μ.)"))])
    number = StringField(_l("Number"), validators=[DataRequired(message=REQUIRED)], widget=BS3TextFieldWidget(),
                         filters=[lambda v: v.strip() if isinstance(v, str) else v])

    def validate_number(self, field):
        if self.kind.data == "afm":
            _valid_afm(self, field)
        else:
            _valid_am(self, field)


class ResetForm(FlaskForm):
    password, conf_password = new_password_fields()


class RecoveryView(BaseView):
    """Public pages (no login); POSTs rate limited (RECOVERY_RATE_LIMIT)."""

    route_base = "/recover"
    default_view = "request_form"

    @expose("/", methods=["GET", "POST"])
    def request_form(self):
        form = RecoveryForm()
        if form.validate_on_submit():
            base_url = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
            recovery.request_reset(self.appbuilder.session, form.kind.data, form.number.data, base_url=base_url,
                                   ip=request.remote_addr)
            # K-10: the same answer whether or not the number belongs to a user.
            return self.render_template("backoffice/recovery_sent.html", title=gettext("Credential recovery"))
        return self.render_template("backoffice/recovery_request.html", form=form,
                                    title=gettext("Credential recovery"))

    @expose("/reset/<token>", methods=["GET", "POST"])
    def reset(self, token):
        session = self.appbuilder.session
        if recovery.valid_token(session, token) is None:
            return self.render_template("backoffice/recovery_invalid.html", title=gettext("Credential recovery")), 404
        form = ResetForm()
        if form.validate_on_submit():
            if recovery.reset_password(session, token, form.password.data):
                flash(gettext("Your password was changed. Sign in with the new password."), "success")
                return redirect(self.appbuilder.get_url_for_login)
            return self.render_template("backoffice/recovery_invalid.html", title=gettext("Credential recovery")), 404
        return self.render_template("backoffice/recovery_reset.html", form=form, title=gettext("Set a new password"))


# --- registration ------------------------------------------------------------------------------


class CentreView(BackofficeModelView):
    """Admin keeps the centres; a manager reads their own (row scope). The show page
    lists the centre's rooms, staff, minutes and submissions (K-11: the help desk's way
    into one centre's data)."""
    title = _l("Training support centres")

    datamodel = SQLAInterface(Centre)
    list_columns = ["code", "name", "prefecture", "region", "email"]
    show_columns = ["code", "name", "legal_representative", "prefecture", "region", "address", "email", "phone",
                    "managers"]
    add_columns = edit_columns = ["code", "name", "legal_representative", "prefecture", "address", "email", "phone"]
    export_columns = ["code", "name", "legal_representative", "prefecture.name_el", "region", "address", "email",
                      "phone"]
    search_columns = ["code", "name", "prefecture", "email"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    label_columns = CENTRE_LABELS
    extra_search_filters = {"name": FOLDED_FILTERS}  # accent- and case-blind name search (issue #13)
    related_views = [RoomView, CoordinatorView, TechnicalManagerView, MinutesView, StaffSubmissionView]
    role_permissions = {CENTRE_MANAGER: READ}
    formatters_columns = {"managers": lambda users: ", ".join(f"{u.get_full_name()} ({u.username})" for u in users)}


def _limit_minutes_body(app):
    """Refuse an oversized minutes upload from its Content-Length, before anything reads
    the body (CSRFProtect reads the form in its own before_request, so this runs first)."""

    def limit():
        if request.endpoint == "MinutesView.upload":
            request.max_content_length = int(app.config.get("MINUTES_MAX_BYTES", 10 * 1024 * 1024)) + 64 * 1024

    app.before_request_funcs.setdefault(None, []).insert(0, limit)


def register(appbuilder, add):
    kw = dict(category=CATEGORY, category_label=CATEGORY_LABEL, category_icon="fa-building")
    add(CentreView, "Centres", label=_l("Training support centres"), icon="fa-building", **kw)
    add(RoomView, "Rooms", label=_l("Rooms"), icon="fa-desktop", **kw)
    add(WorkstationView, "Workstations", label=_l("Workstations"), icon="fa-laptop", **kw)
    add(CoordinatorView, "Coordinators", label=_l("Coordination staff"), icon="fa-user", **kw)
    add(TechnicalManagerView, "Technical managers", label=_l("Technical managers"), icon="fa-wrench", **kw)
    add(MinutesView, "Teacher-council minutes", label=_l("Teacher-council minutes"), icon="fa-file-pdf-o", **kw)
    add(StaffFinalSubmissionView, "Staff final submission",
        label=_l("Final submission of staff changes"), icon="fa-check-square-o", **kw)
    add(StaffSubmissionView, "Staff submissions", label=_l("Staff submissions"), icon="fa-list", **kw)
    add(TrainingPeriodView, "Training periods", label=_l("Training periods"), icon="fa-calendar", **kw)

    recovery_view = appbuilder.add_view_no_menu(RecoveryView())
    app = current_app._get_current_object()
    limiter = app.extensions.get("backoffice_limiter")
    if limiter is not None:
        limiter.limit(lambda: current_app.config["RECOVERY_RATE_LIMIT"], methods=["POST"])(recovery_view.blueprint)
    _limit_minutes_body(app)
