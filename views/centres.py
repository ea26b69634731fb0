"""Training support centres (ΚΣΕ) – menu «Διαχείριση πόρων ΚΣΕ»: rooms and workstations
(K-1), coordinators and technical managers (K-2), teacher-council minutes and the staff
final submission (K-3); the help desk reads all (K-11). Credential recovery (K-10) is
views.account.

Row restriction is app.access everywhere (BackofficeModelView for the CRUD views; the
custom endpoints load rows through its scoped lookups). The decisions and transactions
are in app.centres; these views read the request, call it and render.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, flash, g, has_request_context, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access, permission_name
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from app import access
from app.search import FOLDED_FILTERS
from app import centres as service
from app.errors import Refused, rollback_on_refusal
from app.extensions import db
from app.roles import ADMIN, CENTRE_MANAGER, READ
from app.security import REQUIRED
from models.centres import (Centre, EvaluationResult, Room, RoomKind, StaffMember, StaffRole, StaffSubmission,
                            TeacherCouncilMinutes, TrainingPeriod, Workstation, WorkstationCount)
from views.base import BackofficeModelView, BackofficeView
from views.fields import LabelledEnumField, PresentFieldsFormWidget, enum_label, valid_afm, valid_am, yes_no

CATEGORY = "Centre resources"
CATEGORY_LABEL = _l("Centre resources")

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
    "uploaded_at": _l("Uploaded at"),
    "uploaded_by": _l("Uploaded by"),
    "is_current": _l("Current"),
    "superseded_at": _l("Replaced at"),
    "attempt": _l("Attempt"),
    "submitted_at": _l("Submitted at"),
    "submitted_by": _l("Submitted by"),
    "minutes": _l("Minutes"),
    "staff_count": _l("Members"),
    "snapshot_text": _l("Staff as submitted"),
    "is_final": _l("Final"),
    "reopened_at": _l("Reopened at"),
    "reopened_by": _l("Reopened by"),
    "reopen_reason": _l("Reason for reopening"),
    "starts_on": _l("Starts on"),
    "ends_on": _l("Ends on"),
    "staff_opens_at": _l("Staff window opens"),
    "staff_closes_at": _l("Staff window closes"),
    "minutes_deadline": _l("Minutes deadline"),
}


def is_admin() -> bool:
    return ADMIN in access.role_names()


def workstations_link(count: WorkstationCount) -> Markup:
    """A room's workstation count, linking to the list of those workstations (K-1 drill-down)."""
    flt: dict[str, Any] = {"_flt_0_room_id": count.room_id, ("_flt_0_certified" if count.certified else "_flt_1_certified"): "y"}
    css = "ws-certified" if count.certified else "ws-uncertified"
    return Markup('<a class="{}" href="{}">{}</a>').format(css, url_for("WorkstationView.list", **flt), count.number)


def minutes_file_link(minutes: TeacherCouncilMinutes) -> Markup:
    """Download through the row-checked endpoint, never a static path."""
    return Markup('<a class="minutes-file" href="{}">{}</a>').format(url_for("MinutesView.file", pk=minutes.id),
                                                                     minutes.original_name)


# --- shared view behaviour ----------------------------------------------------------------


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
            cache[(form, removed)] = type(form.__name__, (form,), dict.fromkeys(removed))
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

    # The form widgets leave out the columns this user's form does not have.
    add_widget = edit_widget = PresentFieldsFormWidget


def _code_field(label, example):
    return StringField(label, validators=[DataRequired(message=REQUIRED)], widget=BS3TextFieldWidget(),
                       filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       description=_l("For example %(example)s", example=example))


class CentreAreaView(BackofficeModelView):
    """The area's CRUD views; the services refuse (and roll back) what the rules forbid."""

    label_columns = LABELS

    def _typed_centre(self) -> Centre | None:
        """The Admin's typed centre code (form field `centre_code`), as a centre; None
        for everyone else (a manager's rows are their own centre's, app.access)."""
        if not is_admin():
            return None
        return service.centre_from_form(self.datamodel.session, request.form.get("centre_code"))

    def prefill_form(self, form, pk):
        if "centre_code" in form:
            item = self._scoped_get(pk)
            centre = getattr(item, "centre", None) or getattr(getattr(item, "room", None), "centre", None)
            form.centre_code.data = centre.code if centre else ""

    def pre_add(self, item):
        with rollback_on_refusal(self.datamodel.session):
            super().pre_add(item)

    def pre_update(self, item):
        with rollback_on_refusal(self.datamodel.session):
            super().pre_update(item)


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

    def pre_add(self, item):
        super().pre_add(item)
        service.check_training_period(self.datamodel.session, item)

    def pre_update(self, item):
        super().pre_update(item)
        service.check_training_period(self.datamodel.session, item)


# --- K-1: rooms and workstations -------------------------------------------------------------


class WorkstationView(AdminColumnsMixin, CentreAreaView):
    """K-1. The Admin keeps the workstations and decides their certification; a centre
    manager lists and reads their own centre's (view only, as in the manual, seed 000 §5).
    The certified-workstation checks below stay as a second line should a role ever
    receive write access again."""

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
    # Indexed columns only (issue #13); the specs are free text and sizes, for the row's page.
    search_columns = ["inventory_code", "room_id", "certified"]
    order_columns = ["inventory_code"]
    base_order = ("inventory_code", "asc")
    formatters_columns = {"certified": yes_no}
    label_columns = {**LABELS, "room.centre.code": _l("Centre code")}
    role_permissions = {CENTRE_MANAGER: READ}  # the manual: view only

    def _typed_room(self, item):
        if is_admin():
            item.room = service.room_from_form(self.datamodel.session, request.form.get("centre_code"),
                                               request.form.get("room_code"))

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)
        if "room_code" in form:
            item = self._scoped_get(pk)
            form.room_code.data = item.room.code if item and item.room else ""

    def pre_add(self, item):
        self._typed_room(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._typed_room(item)
        super().pre_update(item)
        service.check_workstation_change(self.datamodel.session, item, by_admin=is_admin())

    def pre_delete(self, item):
        super().pre_delete(item)
        service.check_workstation_delete(item, by_admin=is_admin())


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
    order_columns = ["code", "name"]  # indexed (issue #13)
    base_order = ("code", "asc")
    formatters_columns = {"certified": yes_no, "kind": enum_label(RoomKind),
                          "evaluation_result": enum_label(EvaluationResult),
                          "certified_link": workstations_link, "uncertified_link": workstations_link}
    related_views = [WorkstationView]
    role_permissions = {CENTRE_MANAGER: READ}
    validators_columns = {"certified": [Optional()]}  # see WorkstationView
    add_form_extra_fields = edit_form_extra_fields = {
        "centre_code": _code_field(_l("Centre code"), "KSE00001"),
        "kind": LabelledEnumField(RoomKind, label=_l("Type"), validators=[DataRequired(message=_l("This field is required."))]),
        "evaluation_result": LabelledEnumField(EvaluationResult, label=_l("Evaluation result"),
                                               validators=[DataRequired(message=_l("This field is required."))]),
    }

    def pre_add(self, item):
        item.centre = self._typed_centre()
        super().pre_add(item)
        service.check_room(self.datamodel.session, item)

    def pre_update(self, item):
        item.centre = self._typed_centre()
        super().pre_update(item)
        service.check_room(self.datamodel.session, item)


# --- K-2: staff ----------------------------------------------------------------------------


def _form_centre_id(form) -> int | None:
    if "centre_code" in form:
        centre = service.centre_by_code(db.session, form.centre_code.data)
        return centre.id if centre else None
    return access.managed_centre_id()


class UniqueInCentre:
    """K-2: an Α.Φ.Μ. or Α.Μ. appears once among the staff of one centre (the form says
    so next to the field; the unique constraints refuse a race)."""

    def __init__(self, field_name, message):
        self.field_name = field_name
        self.message = message

    def __call__(self, form, field):
        member_id = int(form._id) if getattr(form, "_id", None) is not None else None
        if service.staff_identifier_taken(db.session, _form_centre_id(form), self.field_name,
                                          field.data, member_id):
            raise ValidationError(str(self.message))


class ReadOnlyAwareListWidget(ListWidget):
    """FAB's list without add/edit/delete buttons when `readonly` (K-2 lock)."""

    template = "backoffice/widgets/list.html"


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
    search_columns = ["last_name", "first_name", "afm", "teacher_registry_no"]  # indexed (issue #13)
    order_columns = ["last_name", "first_name", "afm"]
    base_order = ("last_name", "asc")
    formatters_columns = {"role": enum_label(StaffRole), "confirmed_in": lambda v: v or "–"}
    validators_columns = {
        "last_name": [DataRequired(message=REQUIRED)],
        "first_name": [DataRequired(message=REQUIRED)],
        "afm": [DataRequired(message=REQUIRED), valid_afm,
                UniqueInCentre("afm", _l("A member of this centre already has this Α.Φ.Μ."))],
        "teacher_registry_no": [Optional(), valid_am,
                                UniqueInCentre("teacher_registry_no",
                                               _l("A member of this centre already has this Α.Μ."))],
        "email": [Optional(), Email(message=_l("Invalid e-mail address."))],
    }
    role_permissions = {CENTRE_MANAGER: READ | {"can_add", "can_edit", "can_delete"}}

    def __init__(self, **kwargs):
        from flask_appbuilder.models.sqla.filters import FilterEqual

        self.base_filters = [access.ROW_SCOPE, ["role", FilterEqual, self.staff_role]]
        super().__init__(**kwargs)

    def pre_add(self, item):
        service.prepare_staff_member(item, role=self.staff_role, centre=self._typed_centre())
        super().pre_add(item)
        service.check_staff_write(self.datamodel.session, item, identity_changed=True)

    def pre_update(self, item):
        identity_changed = service.prepare_staff_member(item, role=self.staff_role, centre=self._typed_centre())
        super().pre_update(item)
        service.check_staff_write(self.datamodel.session, item, identity_changed=identity_changed)

    def pre_delete(self, item):
        super().pre_delete(item)
        service.check_staff_delete(self.datamodel.session, item)

    @property
    def list_widget(self):
        """K-2: the list without add/edit/delete buttons while the staff list is locked
        (FAB instantiates `list_widget` for every list it renders, in the request; its
        __init__ also reads every attribute, outside any request)."""
        if not has_request_context():
            return ReadOnlyAwareListWidget
        reason = service.staff_lock_reason(self.datamodel.session, access.managed_centre_id())
        return partial(ReadOnlyAwareListWidget, readonly=bool(reason), readonly_reason=reason)


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
    # Refused from Content-Length before anything reads the body (app.factory).
    body_limits = {"upload": "MINUTES_MAX_BYTES"}
    base_permissions = ["can_list", "can_show", "can_export", "can_upload"]
    list_columns = ["centre", "training_period", "version", "file_link", "page_count", "uploaded_at", "uploaded_by",
                    "is_current"]
    show_columns = ["centre", "training_period", "version", "file_link", "size_bytes", "page_count", "sha256",
                    "uploaded_at", "uploaded_by", "is_current", "superseded_at"]
    export_columns = ["centre.code", "training_period.code", "version", "original_name", "size_bytes", "page_count",
                      "sha256", "uploaded_at", "uploaded_by", "superseded_at"]
    search_columns = ["training_period", "version"]  # not the file name: free text (issue #13)
    order_columns = ["uploaded_at"]
    base_order = ("uploaded_at", "desc")
    formatters_columns = {"is_current": yes_no, "file_link": minutes_file_link}
    role_permissions = {CENTRE_MANAGER: READ | {"can_upload"}}

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs.update(service.minutes_page(self.datamodel.session, access.managed_centre_id()))
        return super().render_template(template, **kwargs)

    @expose("/upload/", methods=["POST"])
    @has_access
    def upload(self):
        centre_id = access.managed_centre_id()
        if centre_id is None:
            abort(403)  # only a centre manager uploads their centre's minutes
        upload = request.files.get("file")
        try:
            minutes = service.upload_minutes(
                self.datamodel.session, centre_id=centre_id, period_id=request.form.get("training_period", type=int),
                stream=upload.stream if upload else None, filename=upload.filename if upload else None,
                user_id=g.user.id)
        except Refused as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("The minutes of %(period)s were uploaded (version %(version)s).",
                          period=minutes.training_period.code, version=minutes.version), "success")
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
    order_columns = ["submitted_at"]  # indexed (issue #13)
    base_order = ("submitted_at", "desc")
    formatters_columns = {"is_final": yes_no}
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
            except Refused as exc:
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

    @expose("/list/")
    @has_access
    def list(self):
        centre_id = access.managed_centre_id()
        context = service.staff_final_page(self.appbuilder.session, centre_id) if centre_id is not None else None
        return self.render_template("backoffice/staff_final.html", context=context,
                                    title=gettext("Final submission of staff changes"))

    @expose("/confirm/", methods=["POST"])
    @has_access
    def confirm(self):
        centre_id = access.managed_centre_id()
        if centre_id is None:
            abort(403)
        try:
            wanted = {int(v) for v in request.form.getlist("member")}
        except ValueError:
            abort(400)
        try:
            service.confirm_members(self.appbuilder.session, centre_id, wanted)
        except Refused as exc:
            if exc.status == 403:
                abort(403)
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
        try:
            submission = service.submit_current_staff(self.appbuilder.session, centre_id, g.user.id)
        except Refused as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("The staff changes for %(period)s were finally submitted.",
                          period=submission.training_period.code), "success")
        return redirect(url_for(".list"))


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
