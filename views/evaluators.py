"""The evaluator registry (Ε.Μ.Α.): E-1…E-3, E-7, E-14. The candidate's application
(form I.2 in sections: the file's fieldsets and one list per repeatable section),
documents, submission, PDFs and personal data; self-registration; the E-7 points table;
E-2 deactivation; the nominal table; the help desk's search. Decisions live in
app.evaluators; these views translate HTTP."""
from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

from flask import Response, abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access, permission_name
from flask_appbuilder.fields import EnumField
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app import access
from app import evaluators as service
from app.csv_export import stream_rows
from app.errors import Refused
from app.roles import ADMIN, COMMITTEE, EVALUATOR, HELPDESK, READ
from app.search import FOLDED_FILTERS
from app.security import new_password_fields
from models.evaluators import (DocumentKind, Evaluator, EvaluatorCentreRelation, EvaluatorCofundedExperience,
                               EvaluatorDegree, EvaluatorFieldPreference, EvaluatorGroupPreference,
                               EvaluatorLanguage, EvaluatorPostgraduate, EvaluatorProfessionalExperience,
                               EvaluatorRegionPreference, EvaluatorStatus, EvaluatorStatusChange, EvaluatorTraining,
                               ScoringTable, SupportingDocument)
from reports import evaluators as reports
from views.base import BackofficeModelView, BackofficeView
from views.jobs import start_report

CATEGORY = "Evaluator registry"
CATEGORY_LABEL = _l("Evaluator registry")
OWN_ROWS = READ | {"can_add", "can_edit", "can_delete"}
LABELS = {**service.FIELD_LABELS, "region.name_el": _l("Region")}

REQUIRED = _l("This field is required.")


def _yes_no(value) -> str:
    return "—" if value is None else (gettext("Yes") if value else gettext("No"))


def _level(value) -> str:
    return service.LEVEL_LABELS.get(getattr(value, "value", value) or "", "—")


ROW_LABELS = {
    "institution": _l("Institution – department"), "city": _l("City"), "country": _l("Country"),
    "kind": _l("Kind"), "title": _l("Exact title"), "awarded_on": _l("Date awarded"),
    "recognised": _l("Recognised by ΔΟΑΤΑΠ (foreign degrees)"), "thematic_field": _l("Thematic field"),
    "level": _l("Level"), "provider": _l("Provider of the training"), "completed_on": _l("Date completed"),
    "hours": _l("Hours"), "language": _l("Language"), "certificate": _l("Title of the certificate"),
    "proficiency": _l("Recognised title (Π.Δ. 347/2003)"), "employer": _l("Body – company"),
    "body_kind": _l("Kind of body"), "role": _l("Position – capacity"), "subject": _l("Subject of the work"),
    "start_month": _l("Start (month)"), "end_month": _l("End (month)"), "person_months": _l("Person-months"),
    "teaching": _l("Teaching a related subject"), "current": _l("Current relation"),
    "centre_name": _l("Name of the centre"), "kind_other": _l("Other kind (describe)"),
    "priority": _l("Priority"), "target_group": _l("Target group"), "region": _l("Region"),
    "document": _l("Supporting document"), "verification": _l("Verification"),
    "verification_note": _l("Committee's note"), "recoded_level": _l("Re-coded level"),
    "recoded_hours": _l("Re-coded hours"), "recoded_person_months": _l("Re-coded person-months"),
    "recoded_proficiency": _l("Re-coded title"), "description": _l("Description"), "issuer": _l("Issuer"),
    "filename": _l("File"), "size": _l("Size (bytes)"), "uploaded_at": _l("Uploaded at"),
    "changed_at": _l("Date"), "from_status": _l("From"), "to_status": _l("To"), "reason": _l("Reason"),
    "evaluator": _l("Evaluator"),
}


def _enum_class(model, field: str):
    column = SQLAInterface(model).list_columns.get(field)
    return getattr(column.type, "enum_class", None) if column is not None else None


def _formatters(model, *fields: str) -> dict:
    """Greek labels for the list and show pages: statuses, enums, yes/no."""
    interface = SQLAInterface(model)
    out: dict = {}
    for field in fields:
        if field not in interface.list_columns:
            continue
        enum_class = _enum_class(model, field)
        if enum_class is EvaluatorStatus:
            out[field] = service.status_label
        elif enum_class is not None:
            out[field] = lambda value, cls=enum_class: service.enum_label(value, cls)
        elif interface.is_boolean(field):
            out[field] = _yes_no
    return out


class LabelledEnumField(EnumField):
    """FAB's EnumField offers `member.value`; this one offers the Greek label."""

    def __init__(self, enum_class, label=None, validators=None, **kwargs):
        super().__init__(enum_class, list(enum_class.__members__), label=label, validators=validators, **kwargs)
        self.choices = [(name, service.enum_label(member)) for name, member in enum_class.__members__.items()]


def _enum_fields(model, fields, labels) -> dict:
    """Form fields with Greek choices for the enum columns among `fields`; plain checkboxes
    for booleans (unticked means "no": FAB would make a non-nullable boolean required)."""
    interface = SQLAInterface(model)
    out: dict = {}
    for field in fields:
        if field not in interface.list_columns:
            continue
        enum_class = _enum_class(model, field)
        nullable = interface.is_nullable(field)
        if interface.is_boolean(field) and not nullable:
            out[field] = BooleanField(labels.get(field, field))
        elif enum_class is not None:
            validators = [Optional()] if nullable else [DataRequired(message=REQUIRED)]
            out[field] = LabelledEnumField(enum_class, label=labels.get(field, field), validators=validators)
    return out


# --- the registry file ------------------------------------------------------------------------

SECTIONS = [
    (_l("Section 1. Personal data"), ["last_name", "first_name", "father_name", "id_card_no", "home_street",
                                      "home_number", "home_city", "home_postcode", "afm", "tax_office",
                                      "birth_date", "gender"]),
    (_l("Section 2. Correspondence"), ["mail_address", "mail_city", "mail_postcode", "mail_prefecture", "region",
                                       "phone", "fax", "email"]),
    (_l("Section 3. Profession"), ["profession", "employment_form", "economic_sector"]),
    (_l("Section 4. Work address"), ["employer_name", "work_address", "work_city", "work_postcode", "work_phone",
                                     "work_email"]),
    (_l("Sections 5–6. Relation with training centres"), ["has_current_centre_relation",
                                                          "has_past_centre_relation"]),
    (_l("Section 14. Relevance of the professional experience"), ["experience_relevance"]),
    (_l("Exclusions (art. 3.3)"), ["is_general_director", "is_centre_relative", "is_ekepis_trainer"]),
]
REGISTRY_FIELDS = ["registry_no", "protocol_no", "submitted_at", "status", "inactive_since", "inactive_reason",
                   "level", "qualification_score", "experience_score", "interview_score", "entry_score",
                   "ranking_score"]


class EvaluatorStatusChangeView(BackofficeModelView):
    """The file's history (read only): every status change with date and reason."""
    title = _l("Status history")
    datamodel = SQLAInterface(EvaluatorStatusChange)
    base_permissions = ["can_list", "can_show", "can_export"]
    list_columns = ["changed_at", "from_status", "to_status", "reason"]
    show_columns = list_columns
    search_columns = ["to_status"]
    order_columns = ["changed_at"]
    base_order = ("changed_at", "desc")
    label_columns = ROW_LABELS
    formatters_columns = _formatters(EvaluatorStatusChange, "from_status", "to_status")
    role_permissions = {COMMITTEE: READ, EVALUATOR: READ}


class FileRowView(BackofficeModelView):
    """A repeatable section of form I.2: the candidate adds, changes and removes their own
    rows while the application is a draft; the committee and the help desk read."""
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"]
    role_permissions = {COMMITTEE: READ, EVALUATOR: OWN_ROWS}
    label_columns = ROW_LABELS
    base_order = ("id", "asc")
    # In entry order (by key): an evaluator's few rows need no sort, and a national list
    # sorted by city or title would scan (issue #13). An empty list offers every column.
    order_columns: list[str] = ["id"]
    row_fields: list[str] = []
    verification_fields = ["verification", "verification_note"]

    def __init__(self, **kwargs):
        self.add_columns = self.edit_columns = list(self.row_fields)
        self.show_columns = ["evaluator", *self.row_fields, *self.verification_fields]
        self.list_columns = self.list_columns or ["evaluator", *self.row_fields[:5]]
        # The committee's question over all files: which rows are still to verify.
        self.search_columns = self.search_columns or (
            ["verification"] if "verification" in self.verification_fields else [self.row_fields[0]])
        model = self.datamodel.obj
        self.formatters_columns = _formatters(model, *self.row_fields, *self.verification_fields)
        self.add_form_extra_fields = self.edit_form_extra_fields = _enum_fields(model, self.row_fields, ROW_LABELS)
        super().__init__(**kwargs)

    def _file(self, evaluator_id: int | None) -> Evaluator:
        return service.ensure_draft(self.datamodel.session.get(Evaluator, evaluator_id) if evaluator_id else None)

    def pre_add(self, item):
        own = service.file_of(self.datamodel.session, g.user)
        if own is None:
            raise Refused(_l("Only a candidate adds rows to their own application."))
        item.evaluator_id = self._file(own.id).id
        super().pre_add(item)
        service.check_row(self.datamodel.session, item)

    def pre_update(self, item):
        self._file(item.evaluator_id)
        super().pre_update(item)
        service.check_row(self.datamodel.session, item)

    def pre_delete(self, item):
        super().pre_delete(item)
        self._file(item.evaluator_id)


def _row_view(model, title, fields, *, extra_show=(), list_columns=None, name=None):
    attrs = {"datamodel": SQLAInterface(model), "title": title, "row_fields": list(fields),
             "verification_fields": ["verification", "verification_note", *extra_show] if extra_show is not None
             else [], "list_columns": list_columns or []}
    return type(name or f"{model.__name__}View", (FileRowView,), attrs)


CentreRelationView = _row_view(
    EvaluatorCentreRelation, _l("Sections 5–6. Relations with training centres"),
    ["current", "centre_name", "kind", "kind_other", "subject", "start_month", "end_month"], extra_show=None)
DegreeView = _row_view(EvaluatorDegree, _l("Section 7. Tertiary degrees"),
                       ["institution", "city", "country", "kind", "title", "awarded_on", "recognised",
                        "thematic_field", "document"])
PostgraduateView = _row_view(EvaluatorPostgraduate, _l("Section 8. Postgraduate degrees"),
                             ["institution", "city", "country", "level", "title", "awarded_on", "thematic_field",
                              "document"], extra_show=["recoded_level"])
TrainingView = _row_view(EvaluatorTraining, _l("Section 9. Postgraduate training (≥ 300 h)"),
                         ["provider", "city", "country", "title", "completed_on", "hours", "thematic_field",
                          "document"], extra_show=["recoded_hours"])
LanguageView = _row_view(EvaluatorLanguage, _l("Section 10. Languages"),
                         ["language", "level", "certificate", "proficiency", "document"],
                         extra_show=["recoded_level", "recoded_proficiency"])
CofundedExperienceView = _row_view(
    EvaluatorCofundedExperience, _l("Sections 11–12. Experience in co-funded actions (last five years)"),
    ["employer", "body_kind", "role", "subject", "thematic_field", "start_month", "end_month", "person_months",
     "document"], extra_show=["recoded_person_months"],
    list_columns=["evaluator", "employer", "role", "start_month", "end_month", "person_months"])
ProfessionalExperienceView = _row_view(
    EvaluatorProfessionalExperience, _l("Section 13. Professional experience related to the degree"),
    ["employer", "body_kind", "role", "subject", "thematic_field", "teaching", "start_month", "end_month",
     "person_months", "document"], extra_show=["recoded_person_months"],
    list_columns=["evaluator", "employer", "role", "start_month", "end_month", "person_months"])


class PreferenceView(FileRowView):
    base_order = ("priority", "asc")
    order_columns = ["priority"]


FieldPreferenceView = type("FieldPreferenceView", (PreferenceView,), {
    "datamodel": SQLAInterface(EvaluatorFieldPreference), "title": _l("Section 15. Thematic fields, ranked"),
    "row_fields": ["priority", "thematic_field"], "verification_fields": []})
GroupPreferenceView = type("GroupPreferenceView", (PreferenceView,), {
    "datamodel": SQLAInterface(EvaluatorGroupPreference), "title": _l("Section 16. Target groups, ranked"),
    "row_fields": ["priority", "target_group"], "verification_fields": []})
RegionPreferenceView = type("RegionPreferenceView", (PreferenceView,), {
    "datamodel": SQLAInterface(EvaluatorRegionPreference), "title": _l("Section 17. Regions, ranked"),
    "row_fields": ["priority", "region"], "verification_fields": []})

SECTION_VIEWS = [CentreRelationView, DegreeView, PostgraduateView, TrainingView, LanguageView,
                 CofundedExperienceView, ProfessionalExperienceView, FieldPreferenceView, GroupPreferenceView,
                 RegionPreferenceView]


class SupportingDocumentView(BackofficeModelView):
    """Supporting documents: uploaded by the candidate (PDF/JPEG/PNG), served only through
    `file`, checked against the very row; the rows of the form point at them."""
    title = _l("Supporting documents")
    datamodel = SQLAInterface(SupportingDocument)
    route_base = "/evaluator-documents"
    list_template = "evaluators/documents_list.html"
    base_permissions = ["can_list", "can_show", "can_export", "can_delete", "can_upload"]
    list_columns = ["evaluator", "kind", "description", "issuer", "filename", "size", "uploaded_at"]
    show_columns = ["evaluator", "kind", "description", "issuer", "filename", "content_type", "size", "sha256",
                    "uploaded_at"]
    search_columns = ["kind"]  # description and file name are free text (issue #13)
    order_columns = ["uploaded_at"]
    base_order = ("uploaded_at", "asc")
    label_columns = ROW_LABELS
    formatters_columns = _formatters(SupportingDocument, "kind")
    role_permissions = {COMMITTEE: READ, EVALUATOR: READ | {"can_delete", "can_upload"}}

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            own = service.file_of(self.datamodel.session, g.user)
            kwargs["can_upload_here"] = own is not None and own.status is EvaluatorStatus.draft
            kwargs["document_kinds"] = [(k.value, service.enum_label(k)) for k in DocumentKind]
            kwargs["max_mb"] = f"{service.max_document_bytes() / 1048576:g}"
        return super().render_template(template, **kwargs)

    def pre_delete(self, item):
        super().pre_delete(item)
        service.check_document_removable(self.datamodel.session, item)

    @expose("/upload/", methods=["POST"])
    @has_access
    def upload(self):
        session = self.datamodel.session
        own = service.file_of(session, g.user)
        if own is None:
            abort(403)  # only a candidate uploads to their own file
        upload = request.files.get("file")
        try:
            kind = DocumentKind(request.form.get("kind", ""))
        except ValueError:
            kind = None
        try:
            if kind is None:
                raise Refused(_l("Choose the kind of document."), field="kind")
            if upload is None or not upload.filename:
                raise Refused(_l("Choose the file."), field="file")
            document = service.store_document(session, own, stream=upload.stream, filename=upload.filename, kind=kind,
                                              description=request.form.get("description", ""),
                                              issuer=request.form.get("issuer"))
        except Refused as exc:
            flash(exc.text(), "danger")
        else:
            flash(gettext("The document «%(name)s» was uploaded.", name=document.description), "success")
        return redirect(url_for(".list"))

    @expose("/file/<int:pk>")
    @has_access
    @permission_name("show")  # reading a row's file is showing the row
    def file(self, pk):
        document = self._scoped_get(pk)
        path = service.document_path(document)
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=document.content_type, as_attachment=True,
                             download_name=document.filename, max_age=0, etag=document.sha256)
        response.headers["Cache-Control"] = "private, no-store"
        return response


def _pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "private, no-store"})


class EvaluatorView(BackofficeModelView):
    """Registry files: the committee and the help desk read every one, an evaluator only
    their own (row scope). The candidate fills in sections 1–6 and 14 here (form I.2
    fieldsets) while the application is a draft. Nothing is deleted: an inactive
    evaluator stays with date and reason (E-2)."""
    title = _l("Evaluators")

    datamodel = SQLAInterface(Evaluator)
    base_permissions = ["can_list", "can_show", "can_edit", "can_export", "can_deactivate"]
    list_columns = ["registry_no", "protocol_no", "last_name", "first_name", "region", "status", "level",
                    "entry_score", "ranking_score"]
    show_fieldsets = [(_l("Registry"), {"fields": REGISTRY_FIELDS})] + [
        (title, {"fields": fields}) for title, fields in SECTIONS]
    edit_fieldsets = [(title, {"fields": fields}) for title, fields in SECTIONS]
    # Plain and many-to-one columns only: the export then streams straight from SQL
    # (app.csv_export.sql_rows), 100,000 rows without an object each (issue #13).
    export_columns = ["registry_no", "protocol_no", "last_name", "first_name", "father_name", "afm", "region.name_el",
                      "status", "inactive_since", "inactive_reason", "level", "qualification_score",
                      "experience_score", "interview_score", "entry_score", "ranking_score", "submitted_at"]
    search_columns = ["registry_no", "protocol_no", "last_name", "first_name", "afm", "region", "status", "level"]
    order_columns = ["registry_no", "protocol_no", "last_name", "first_name", "entry_score", "ranking_score"]
    base_order = ("registry_no", "asc")
    label_columns = LABELS
    extra_search_filters = {"last_name": FOLDED_FILTERS}  # «Παπαδόπουλος» = «ΠΑΠΑΔΟΠΟΥΛΟΣ» (issue #13)
    related_views = [EvaluatorStatusChangeView, *SECTION_VIEWS, SupportingDocumentView]
    formatters_columns = {**_formatters(Evaluator, *REGISTRY_FIELDS, *(f for _, fs in SECTIONS for f in fs)),
                          "level": _level}
    edit_form_extra_fields = _enum_fields(Evaluator, ["gender", "employment_form", "is_general_director",
                                                      "is_centre_relative", "is_ekepis_trainer"], LABELS)
    role_permissions = {COMMITTEE: READ | {"can_deactivate"}, EVALUATOR: READ | {"can_edit"}}
    show_template = "evaluators/show.html"

    def pre_update(self, item):
        roles = access.role_names()
        if ADMIN not in roles:
            service.ensure_draft(item)  # after submission, changes go through requests (E-8)
        super().pre_update(item)
        service.check_file_fields(item)

    @expose("/form-<any(i1, i2):form>/<int:pk>")
    @has_access
    @permission_name("show")
    def form_pdf(self, form, pk):
        """Form I.1 (cover letter with the consent) or I.2 (the whole file) as a PDF."""
        evaluator = self._scoped_get(pk)
        return _pdf_response(reports.form_pdf(self.datamodel.session, evaluator, form),
                             f"form-{form.upper()}-{evaluator.id}.pdf")

    @expose("/personal-data/<int:pk>")
    @has_access
    @permission_name("show")
    def personal_data(self, pk):
        """Everything the registry holds about the person: JSON, form I.2 and the uploaded
        documents in one ZIP."""
        evaluator = self._scoped_get(pk)
        session = self.datamodel.session
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(service.personal_data(session, evaluator), ensure_ascii=False,
                                                     indent=2, default=str))
            archive.writestr("form-I2.pdf", reports.form_pdf(session, evaluator, "i2"))
            for document in service.documents_of(session, evaluator):
                path = service.document_path(document)
                if path.is_file():
                    archive.write(path, f"documents/{document.id}-{document.filename}")
        return Response(buffer.getvalue(), mimetype="application/zip", headers={
            "Content-Disposition": f"attachment; filename=personal-data-{evaluator.id}.zip",
            "Cache-Control": "private, no-store"})

    @expose("/deactivate/<int:pk>", methods=["GET", "POST"])
    @has_access
    def deactivate(self, pk):
        """E-2: an exclusion makes the evaluator inactive at once, with date and reason."""
        evaluator = self._scoped_get(pk)
        session = self.datamodel.session
        if request.method == "POST":
            try:
                service.deactivate(session, evaluator, request.form.get("reason", ""), user_id=g.user.id)
            except Refused as exc:
                flash(exc.text(), "danger")
            else:
                flash(gettext("The evaluator is inactive from today."), "success")
                return redirect(url_for(".show", pk=pk))
        return self.render_template("evaluators/deactivate.html", evaluator=evaluator,
                                    reasons=service.reason_texts(service.exclusion_reasons(session, evaluator),
                                                                 service.EXCLUSION_LABELS),
                                    title=gettext("Deactivate an evaluator"))


class MyApplicationView(BackofficeView):
    """The candidate's application at a glance: its sections, what is missing, E-1/E-2 as
    the rules see them, submission with the consent and the solemn declarations, PDFs and
    the personal-data download. Works on the user's own file only."""

    route_base = "/myapplication"
    default_view = "list"
    role_permissions = {EVALUATOR: {"can_list", "can_submit"}}

    @expose("/")
    @expose("/list/")
    @has_access
    def list(self):
        session = self.appbuilder.session
        evaluator = service.file_of(session, g.user)
        if evaluator is None:
            return self.render_template("evaluators/my_application.html", title=gettext("My application"),
                                        evaluator=None)
        context = {
            "evaluator": evaluator,
            "status": service.status_label(evaluator.status),
            "problems": service.completeness(session, evaluator) if evaluator.status is EvaluatorStatus.draft else [],
            "eligibility": service.reason_texts(service.eligibility_reasons(session, evaluator),
                                                service.ELIGIBILITY_LABELS),
            "exclusions": service.reason_texts(service.exclusion_reasons(session, evaluator),
                                               service.EXCLUSION_LABELS),
            "sections": [(view.title, f"{view.__name__}.list") for view in SECTION_VIEWS],
            "submitted_at": service._local(evaluator.submitted_at),
        }
        return self.render_template("evaluators/my_application.html", title=gettext("My application"), **context)

    @expose("/submit/", methods=["POST"])
    @has_access
    def submit(self):
        session = self.appbuilder.session
        evaluator = service.file_of(session, g.user)
        if evaluator is None:
            abort(404)
        try:
            number = service.submit(session, evaluator, consent=request.form.get("consent") == "y",
                                    declarations=request.form.get("declarations") == "y", user_id=g.user.id,
                                    base_url=current_app.config["PUBLIC_BASE_URL"])  # F6: never the Host header
        except Refused as exc:
            flash(exc.text(), "danger")
        else:
            flash(gettext("Your application was submitted with protocol number %(no)s.", no=number), "success")
        return redirect(url_for(".list"))


# --- E-7: the points table ----------------------------------------------------------------------


class ScoringTableView(BackofficeModelView):
    """E-7: the ΒΕ1/ΒΕ2 points table. Saving it recomputes every ΒΕ in the same transaction."""
    title = _l("Entry score points table")
    datamodel = SQLAInterface(ScoringTable)
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    list_columns = ["first_degree", "master", "phd", "qualification_max", "cofunded_per_month",
                    "professional_per_month", "experience_max", "updated_at"]
    show_columns = edit_columns = list(service.rules.POINTS_FIELDS)
    search_columns = ["first_degree"]
    order_columns = ["updated_at"]
    base_order = ("id", "asc")
    label_columns = {
        "first_degree": _l("ΒΕ1: first tertiary degree"), "further_degree": _l("ΒΕ1: each further degree"),
        "further_degree_max": _l("ΒΕ1: further degrees, maximum"), "master": _l("ΒΕ1: master's"),
        "phd": _l("ΒΕ1: doctorate"), "training": _l("ΒΕ1: each postgraduate training ≥ 300 h"),
        "training_max": _l("ΒΕ1: training, maximum"),
        "language": _l("ΒΕ1: each language at excellent level with a recognised title"),
        "language_max": _l("ΒΕ1: languages, maximum"), "qualification_max": _l("ΒΕ1 maximum"),
        "cofunded_per_month": _l("ΒΕ2: co-funded/HR experience per month"),
        "cofunded_max": _l("ΒΕ2: co-funded experience, maximum"),
        "professional_per_month": _l("ΒΕ2: related professional experience per person-month"),
        "professional_max": _l("ΒΕ2: professional experience, maximum"), "experience_max": _l("ΒΕ2 maximum"),
        "updated_at": _l("Changed at"),
    }
    role_permissions = {COMMITTEE: READ}

    def pre_update(self, item):
        super().pre_update(item)
        changed = service.update_points_table(self.datamodel.session, item)
        flash(gettext("Entry scores recomputed: %(n)s files changed.", n=changed), "info")


# --- E-14: the nominal table; the help desk's search ---------------------------------------------


class NominalTableView(BackofficeView):
    """E-14: all enrolled evaluators by ΒΕ (absolute order), as a page, CSV and PDF. The CSV
    carries ΒΕ1, ΒΕ2, ΒΕ3 and ΒΕ so anyone can recompute the order."""

    route_base = "/nominal-table"
    default_view = "list"
    role_permissions = {COMMITTEE: {"can_list"}, HELPDESK: {"can_list"}}

    HEADERS = service.NOMINAL_HEADERS

    @expose("/")
    @expose("/list/")
    @has_access
    def list(self):
        rows = service.nominal_table(self.appbuilder.session)
        page = request.args.get("page", 1, type=int) or 1
        if page < 1:
            abort(400)
        shown = rows[(page - 1) * 100: page * 100]
        return self.render_template("evaluators/nominal_table.html", rows=shown, total=len(rows), page=page,
                                    pages=max(1, (len(rows) + 99) // 100), headers=self.HEADERS,
                                    title=gettext("Nominal table of evaluators"))

    @expose("/csv/")
    @has_access
    @permission_name("list")
    def csv(self):
        rows = service.nominal_table(self.appbuilder.session)

        def cells():
            for r in rows:
                yield [r.rank, r.registry_no, r.last_name, r.first_name, r.father_name, r.level,
                       _num(r.be1), _num(r.be2), _num(r.be3), _num(r.be)]

        return Response(stream_rows([str(h) for h in self.HEADERS], cells()), mimetype="text/csv", headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": "attachment; filename=nominal-table.csv", "Cache-Control": "no-store"})

    @expose("/pdf/", methods=["POST"])
    @has_access
    @permission_name("list")
    def pdf(self):
        """Every listed evaluator as a PDF, made by a background job (its page gives the file)."""
        return start_report("nominal_table_pdf", {}, url_for(".list"))


def _num(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


class EvaluatorSearchView(BackofficeView):
    """The help desk finds any candidate or evaluator by Α.Φ.Μ., name, protocol or registry
    number, and opens the file read-only."""

    route_base = "/evaluator-search"
    default_view = "list"
    role_permissions = {HELPDESK: {"can_list"}, COMMITTEE: {"can_list"}}

    @expose("/")
    @expose("/list/")
    @has_access
    def list(self):
        query = request.args.get("q", "")[:80]
        results = service.search(self.appbuilder.session, query) if query else []
        return self.render_template("evaluators/search.html", query=query, results=results,
                                    status_label=service.status_label,
                                    title=gettext("Find a candidate or an evaluator"))


# --- self-registration ---------------------------------------------------------------------------

class RegistrationForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(message=REQUIRED), Length(max=64)],
                           widget=BS3TextFieldWidget())
    first_name = StringField(_l("First name"), validators=[DataRequired(message=REQUIRED), Length(max=80)],
                             widget=BS3TextFieldWidget())
    last_name = StringField(_l("Last name"), validators=[DataRequired(message=REQUIRED), Length(max=80)],
                            widget=BS3TextFieldWidget())
    email = StringField(_l("E-mail"), validators=[DataRequired(message=REQUIRED), Length(max=320)],
                        widget=BS3TextFieldWidget())
    afm = StringField(_l("Tax no. (AFM)"), validators=[DataRequired(message=REQUIRED), Length(max=9)],
                      widget=BS3TextFieldWidget())
    password, conf_password = new_password_fields()


class RegistrationView(BaseView):
    """Public pages (no login): a candidate registers and confirms by the mailed link; the
    account then has the role Evaluator and a draft application. POSTs rate limited."""

    route_base = "/evaluator-registration"
    default_view = "register"

    @expose("/", methods=["GET", "POST"])
    def register(self):
        form = RegistrationForm()
        if form.validate_on_submit():
            session = self.appbuilder.session
            try:
                service.request_registration(
                    session, username=form.username.data, email=form.email.data, first_name=form.first_name.data,
                    last_name=form.last_name.data, afm=form.afm.data, password=form.password.data,
                    base_url=current_app.config["PUBLIC_BASE_URL"])  # F6: never the Host header
            except Refused as exc:
                field = getattr(form, exc.field or "", None)
                if field is not None:
                    field.errors = [exc.text()]
                else:
                    flash(exc.text(), "danger")
            else:
                return self.render_template("evaluators/registration_sent.html", email=form.email.data,
                                            title=gettext("Registration as an evaluator"))
        return self.render_template("evaluators/registration.html", form=form,
                                    title=gettext("Registration as an evaluator"))

    @expose("/confirm/<token>")
    def confirm(self, token):
        user = service.confirm_registration(self.appbuilder.session, token)
        if user is None:
            return self.render_template("evaluators/registration_invalid.html",
                                        title=gettext("Registration as an evaluator")), 404
        flash(gettext("Your registration is confirmed. Sign in to fill in your application."), "success")
        return redirect(self.appbuilder.get_url_for_login)


def register(appbuilder, add):
    kw = dict(category=CATEGORY, category_label=CATEGORY_LABEL, category_icon="fa-address-book")
    add(MyApplicationView, "My application", label=_l("My application"), icon="fa-pencil-square-o", **kw)
    add(EvaluatorView, "Evaluators", label=_l("Evaluators"), icon="fa-id-card", **kw)
    for view in SECTION_VIEWS:
        add(view, view.__name__, label=view.title, icon="fa-list", **kw)
    add(SupportingDocumentView, "Supporting documents", label=_l("Supporting documents"), icon="fa-paperclip", **kw)
    add(EvaluatorStatusChangeView, "Status history", label=_l("Status history"), icon="fa-history", **kw)
    add(NominalTableView, "Nominal table", label=_l("Nominal table"), icon="fa-sort-amount-desc", **kw)
    add(EvaluatorSearchView, "Find an evaluator", label=_l("Find an evaluator"), icon="fa-search", **kw)
    add(ScoringTableView, "Entry score points", label=_l("Entry score points table"), icon="fa-calculator", **kw)
    registration = appbuilder.add_view_no_menu(RegistrationView())
    limiter = current_app.extensions.get("backoffice_limiter")
    if limiter is not None:
        limiter.limit(lambda: current_app.config.get("RECOVERY_RATE_LIMIT", "5 per 15 minute"),
                      methods=["POST"])(registration.blueprint)
