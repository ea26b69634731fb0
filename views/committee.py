"""The committee's pages (E-4…E-6, E-8, E-9): sessions and agendas, the processing of an
application, modification requests, bodies' requests and the selection.

Each route reads the request, calls one function of app.committee and renders; rows are
loaded through the row scope (404 for a row the user may not see)."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from flask import Response, abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext as _l

from app import access, committee as service
from app.csv_export import stream_rows
from app.errors import Refused
from app.roles import COMMITTEE, EVALUATOR, READ
from models.committee import (
    Body, CommitteeSession, EvaluatorRelation, ModificationKind, ModificationRequest, OperationalProgramme,
    RecognitionKind, ScoreKind, SelectionRequest, SelectionRun,
)
from models.evaluators import Evaluator, EvaluatorStatus
from views.base import BackofficeModelView, BackofficeView
from views.jobs import start_report

CATEGORY = "Evaluator registry"
CATEGORY_LABEL = _l("Evaluator registry")
NO_DELETE = READ | {"can_add", "can_edit"}  # nothing in the registry is deleted by the committee


def _db():
    return current_app.appbuilder.session


def scoped(model, pk):
    """The row `pk` of `model` if the user may see it, else 404."""
    row = service.visible(_db(), model, pk)
    if row is None:
        abort(404)
    return row


def download(data: bytes, filename: str, mimetype: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def refused(exc: Refused, target: str):
    flash(exc.text(), "danger")
    return redirect(target)


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


def _user_id():
    return getattr(access.current(), "id", None)


# --- sessions (E-4) ------------------------------------------------------------------------
class CommitteeSessionView(BackofficeModelView):
    """Sessions with their date; E-4 warns when a date breaks the frequency rule; the
    agenda is built from the requests past the cut-off; agenda and minutes as PDF."""

    datamodel = SQLAInterface(CommitteeSession)
    title = _l("Committee sessions")
    list_columns = ["held_on", "place", "agenda_built_at"]
    show_columns = ["held_on", "place", "notes", "agenda_built_at"]
    add_columns = edit_columns = ["held_on", "place", "notes"]
    search_columns = ["held_on", "place"]
    order_columns = ["held_on"]
    base_order = ("held_on", "desc")
    label_columns = {"held_on": _l("Date"), "place": _l("Place"), "notes": _l("Notes"),
                     "agenda_built_at": _l("Agenda built")}
    show_template = "committee/session_show.html"
    role_permissions = {COMMITTEE: NO_DELETE | {"can_agenda"}}
    base_permissions = BackofficeModelView.base_permissions + ["can_agenda"]

    def pre_add(self, item):
        super().pre_add(item)
        if service.session_on(self.datamodel.session, item.held_on):
            raise Refused(gettext("There is already a session on that date."))

    def post_add(self, item):
        for text in service.frequency_messages(self.datamodel.session, item):
            flash(text, "warning")

    post_update = post_add

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        cs = scoped(CommitteeSession, pk)
        session = self.datamodel.session
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=self._show(pk),
            related_views=self._related_views, cs=cs, rows=service.agenda_rows(session, cs),
            warnings=service.frequency_messages(session, cs), cutoff=service.rules.filing_cutoff(cs.held_on),
            forwarded=service.rules.forwarding_day(cs.held_on), labels=service.DECISION_LABELS,
            can_process=self.appbuilder.sm.has_access("can_process", "ApplicationProcessingView"))

    @expose("/agenda/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("agenda")
    def agenda(self, pk):
        cs = scoped(CommitteeSession, pk)
        try:
            added = service.build_agenda(self.datamodel.session, cs)
        except Refused as exc:
            return refused(exc, url_for(".show", pk=pk))
        flash(gettext("Agenda built: %(n)d new items.", n=added), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/agenda_pdf/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("show")
    def agenda_pdf(self, pk):
        """The agenda as a PDF, made by a background job (its page gives the file)."""
        cs = scoped(CommitteeSession, pk)
        return start_report("committee_agenda_pdf", {"pk": cs.id}, url_for(".show", pk=cs.id))

    @expose("/minutes_pdf/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("show")
    def minutes_pdf(self, pk):
        cs = scoped(CommitteeSession, pk)
        return start_report("committee_minutes_pdf", {"pk": cs.id}, url_for(".show", pk=cs.id))


# --- one application (E-1, E-2, E-5, E-6, E-7) --------------------------------------------
class ApplicationProcessingView(BackofficeView):
    """Per application: eligibility and exclusions with reasons, form I.3, the interview
    marks (ΒΕ3), recognition, validation (enrolled with ΒΕ) or rejection."""

    route_base = "/committee/application"
    default_view = "list"
    role_permissions = {COMMITTEE: {"can_list", "can_show", "can_process"}}

    @expose("/list/")
    @has_access
    def list(self):
        """Applications waiting for a session or under examination."""
        rows = service.pending_applications(_db())
        return self.render_template("committee/applications.html", rows=rows, labels=service.STATUS_LABELS)

    def _page(self, ev: Evaluator):
        session = _db()
        return self.render_template(
            "committee/application.html", ev=ev, status=service.STATUS_LABELS[ev.status],
            checks=service.eligibility_report(session, ev), decision=service.current_decision(session, ev.id),
            history=service.decision_history(session, ev.id), labels=service.DECISION_LABELS,
            marks=service.current_interview(session, ev.id), marks_history=service.interview_history(session, ev.id),
            criteria=[(c, service.CRITERION_LABELS[c]) for c in service.rules.INTERVIEW_CRITERIA],
            fields=service.thematic_fields(session),
            recognised_fields=service.current_recognitions(session, ev.id, RecognitionKind.field),
            proposed_groups=service.proposed_groups(session, ev),
            proposed_regions=service.proposed_regions(session, ev),
            verification=service.verification_rows(session, ev), max_fields=service.rules.MAX_FIELDS,
            examining=ev.status is EvaluatorStatus.under_examination,
            verifying=service.can_verify(session, ev), correcting=ev.status in service.CORRECTABLE,
            decision_choices=service.decision_choices(session, ev),
            corrections=service.correction_rows(session, ev.id))

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        return self._page(scoped(Evaluator, pk))

    def _act(self, pk, work, done):
        ev = scoped(Evaluator, pk)
        try:
            work(ev)
        except Refused as exc:
            return refused(exc, url_for(".show", pk=pk))
        flash(done, "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/<int:pk>/in_principle", methods=["POST"])
    @has_access
    @permission_name("process")
    def in_principle(self, pk):
        admitted = request.form.get("admitted") == "yes"
        return self._act(pk, lambda ev: service.decide_in_principle(
            _db(), ev, admitted, request.form.get("reasons"), _user_id()), gettext("Decision recorded."))

    @staticmethod
    def _marks() -> dict:
        marks = {}
        for c in service.rules.INTERVIEW_CRITERIA:
            raw = request.form.get(c, "").strip()
            marks[c] = int(raw) if raw.lstrip("-").isdigit() and len(raw) < 10 else raw or None
        return marks

    @expose("/<int:pk>/interview", methods=["POST"])
    @has_access
    @permission_name("process")
    def interview(self, pk):
        marks = self._marks()
        return self._act(pk, lambda ev: service.record_interview(_db(), ev, marks, _user_id(),
                                                                 request.form.get("reason")),
                         gettext("Interview marks recorded."))

    @expose("/<int:pk>/correct_interview", methods=["POST"])
    @has_access
    @permission_name("process")
    def correct_interview(self, pk):
        """ΒΕ3 of an enrolled evaluator corrected by a new, reasoned entry."""
        marks = self._marks()
        return self._act(pk, lambda ev: service.correct_interview(_db(), ev, marks, request.form.get("reason"),
                                                                  _user_id()),
                         gettext("Correction recorded; the entry score was recomputed."))

    @expose("/<int:pk>/correct_verification", methods=["POST"])
    @has_access
    @permission_name("process")
    def correct_verification(self, pk):
        return self._act(pk, lambda ev: service.correct_verification(
            _db(), ev, request.form.get("row", ""), request.form.get("verification", ""),
            {k[6:]: v for k, v in request.form.items() if k.startswith("value_")}, request.form.get("reason"),
            _user_id()), gettext("Correction recorded; the entry score was recomputed."))

    @expose("/<int:pk>/correct_decision", methods=["POST"])
    @has_access
    @permission_name("process")
    def correct_decision(self, pk):
        return self._act(pk, lambda ev: service.correct_decision(_db(), ev, request.form.get("kind", ""),
                                                                 request.form.get("reasons"), _user_id()),
                         gettext("Decision corrected."))

    @expose("/<int:pk>/recognise", methods=["POST"])
    @has_access
    @permission_name("process")
    def recognise(self, pk):
        try:
            ids = [int(v) for v in request.form.getlist("fields")]
        except ValueError:
            abort(400)
        return self._act(pk, lambda ev: service.recognise(_db(), ev, ids, request.form.get("reason")),
                         gettext("Recognition recorded."))

    @expose("/<int:pk>/verify", methods=["POST"])
    @has_access
    @permission_name("process")
    def verify(self, pk):
        return self._act(pk, lambda ev: service.verify_row(
            _db(), ev, request.form.get("row", ""), request.form.get("verification", ""),
            {k[6:]: v for k, v in request.form.items() if k.startswith("value_")}),
            gettext("Verification recorded."))

    @expose("/<int:pk>/validate", methods=["POST"])
    @has_access
    @permission_name("process")
    def validate(self, pk):
        return self._act(pk, lambda ev: service.validate(_db(), ev, _user_id(), request.form.get("reasons")),
                         gettext("Enrolled in the registry."))

    @expose("/<int:pk>/reject", methods=["POST"])
    @has_access
    @permission_name("process")
    def reject(self, pk):
        return self._act(pk, lambda ev: service.reject(_db(), ev, request.form.get("reasons"), _user_id()),
                         gettext("Application rejected."))

    @expose("/<int:pk>/i3.pdf")
    @has_access
    @permission_name("show")
    def i3_pdf(self, pk):
        ev = scoped(Evaluator, pk)
        return download(service.form_i3_pdf(_db(), ev), f"I3-{ev.registry_no or ev.id}.pdf", "application/pdf")


# --- modification requests (E-8) -----------------------------------------------------------
class ModificationRequestView(BackofficeModelView):
    """An enrolled evaluator files and sees only their own requests; the committee sees
    all of them and decides (accept / reject with reasons)."""

    datamodel = SQLAInterface(ModificationRequest)
    title = _l("Modification requests")
    list_columns = ["evaluator", "kind", "filed_at", "status", "decided_at"]
    show_columns = ["evaluator", "kind", "filed_at", "status", "details", "document_ids", "justification",
                    "decision_reasons", "decided_at"]
    search_columns = ["kind", "status"]
    order_columns = ["filed_at"]
    base_order = ("filed_at", "desc")
    label_columns = {"evaluator": _l("Evaluator"), "kind": _l("Kind"), "filed_at": _l("Filed"),
                     "status": _l("Status"), "details": _l("Requested changes"), "document_ids": _l("Documents"),
                     "justification": _l("Justification"), "decision_reasons": _l("Reasons of the decision"),
                     "decided_at": _l("Decided")}
    formatters_columns = {"kind": lambda v: service.MODIFICATION_LABELS.get(v, "—"),
                          "status": lambda v: service.MODIFICATION_STATUS_LABELS.get(v, "—")}
    show_template = "committee/modification_show.html"
    base_permissions = ["can_list", "can_show", "can_export", "can_file", "can_decide"]
    role_permissions = {COMMITTEE: READ | {"can_decide"}, EVALUATOR: READ | {"can_file"}}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        req = scoped(ModificationRequest, pk)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=self._show(pk),
            related_views=self._related_views, req=req,
            can_decide=self.appbuilder.sm.has_access("can_decide", self.class_permission_name))

    @expose("/file/", methods=["GET", "POST"])
    @has_access
    @permission_name("file")
    def file(self):
        ev = service.own_file(_db(), access.current())
        if ev is None:
            abort(404)
        regions = service.regions(_db())
        if request.method == "POST":
            try:
                kind = ModificationKind(request.form.get("kind", ""))
            except ValueError:
                flash(gettext("Choose the kind of request."), "danger")
                return redirect(url_for(".file"))
            details = ({"regions": [v for v in request.form.getlist("regions") if v]}
                       if kind is ModificationKind.regions else
                       {k: request.form.get(k, "") for k in service.PERSONAL_FIELDS})
            docs = [v for v in request.form.get("documents", "").replace(",", " ").split() if v.isdigit()]
            try:
                req = service.file_modification(_db(), ev, kind, details, [int(d) for d in docs],
                                                request.form.get("justification"))
            except Refused as exc:
                return refused(exc, url_for(".file"))
            flash(gettext("Request filed."), "success")
            return redirect(url_for(".show", pk=req.id))
        return self.render_template("committee/modification_file.html", ev=ev, regions=regions,
                                    kinds=service.MODIFICATION_LABELS, personal=service.PERSONAL_FIELDS)

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("decide")
    def decide(self, pk):
        req = scoped(ModificationRequest, pk)
        try:
            service.decide_modification(_db(), req, request.form.get("accept") == "yes",
                                        request.form.get("reasons"), _user_id())
        except Refused as exc:
            return refused(exc, url_for(".show", pk=pk))
        flash(gettext("Decision recorded."), "success")
        return redirect(url_for(".show", pk=pk))


# --- bodies, programmes, relations (E-9) ---------------------------------------------------
class BodyView(BackofficeModelView):
    datamodel = SQLAInterface(Body)
    title = _l("Bodies")
    list_columns = show_columns = add_columns = edit_columns = search_columns = order_columns = ["name"]
    label_columns = {"name": _l("Name")}
    role_permissions = {COMMITTEE: NO_DELETE}


class OperationalProgrammeView(BackofficeModelView):
    datamodel = SQLAInterface(OperationalProgramme)
    title = _l("Operational programmes")
    list_columns = show_columns = add_columns = edit_columns = search_columns = ["code", "name_el"]
    order_columns = ["code"]
    label_columns = {"code": _l("Code"), "name_el": _l("Name")}
    role_permissions = {COMMITTEE: NO_DELETE}


class EvaluatorRelationView(BackofficeModelView):
    """Relations that keep an evaluator out of a selection (E-9); the evaluator reads
    their own."""

    datamodel = SQLAInterface(EvaluatorRelation)
    title = _l("Declared relations")
    list_columns = ["evaluator", "kind", "operational_programme", "body"]
    show_columns = add_columns = edit_columns = ["evaluator", "kind", "operational_programme", "body", "description"]
    # Not "evaluator": its search box would load every evaluator (issue #13). By key only:
    # FAB offers every list column when order_columns is empty.
    search_columns = ["kind"]
    order_columns = ["id"]
    label_columns = {"evaluator": _l("Evaluator"), "kind": _l("Relation"),
                     "operational_programme": _l("Operational programme"), "body": _l("Body"),
                     "description": _l("Description")}
    formatters_columns = {"kind": lambda v: service.RELATION_LABELS.get(v, "—")}
    role_permissions = {COMMITTEE: NO_DELETE, EVALUATOR: READ}


# --- selection (E-9) -----------------------------------------------------------------------
class SelectionRequestView(BackofficeModelView):
    """A body's request: criteria in priority order; each run stores the nominal table
    and the auxiliary table, as PDF and CSV."""

    datamodel = SQLAInterface(SelectionRequest)
    title = _l("Selection requests")
    list_columns = ["body", "subject", "operational_programme", "wanted", "deadline"]
    show_columns = ["body", "subject", "operational_programme", "score_kind", "min_score", "wanted", "filed_on",
                    "deadline"]
    search_columns = ["body", "operational_programme"]  # the subject is free text: no index serves it
    order_columns = ["deadline"]
    base_order = ("deadline", "desc")
    label_columns = {"body": _l("Body"), "subject": _l("Subject"), "operational_programme": _l("Operational programme"),
                     "score_kind": _l("Score"), "min_score": _l("Minimum score"), "wanted": _l("Evaluators wanted"),
                     "filed_on": _l("Request date"), "deadline": _l("Deadline")}
    formatters_columns = {"score_kind": lambda v: service.SCORE_LABELS.get(v, "—")}
    show_template = "committee/selection_show.html"
    base_permissions = ["can_list", "can_show", "can_export", "can_add", "can_run"]
    role_permissions = {COMMITTEE: READ | {"can_add", "can_run"}}
    MAX_CRITERIA = 8

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        session = _db()
        if request.method == "POST":
            criteria = []
            for i in range(self.MAX_CRITERIA):
                value = request.form.get(f"criterion_{i}", "")
                if value:
                    kind, _, ref = value.partition(":")
                    criteria.append({"kind": kind, "id": ref})
            try:
                wanted = int(request.form.get("wanted", ""))
                min_raw = request.form.get("min_score", "").strip().replace(",", ".")
                min_score = Decimal(min_raw) if min_raw else None
                body = scoped(Body, request.form.get("body"))
                programme = scoped(OperationalProgramme, request.form.get("operational_programme"))
                score_kind = ScoreKind(request.form.get("score_kind", "entry"))
            except (ValueError, InvalidOperation):
                flash(gettext("Check the number of evaluators, the minimum score and the score kind."), "danger")
                return redirect(url_for(".add"))
            deadline, filed_on = _date("deadline"), _date("filed_on")
            if deadline is None or filed_on is None:
                flash(gettext("Enter the request date and the deadline."), "danger")
                return redirect(url_for(".add"))
            try:
                req = service.create_request(session, body_id=body.id, subject=request.form.get("subject", ""),
                                             operational_programme_id=programme.id, criteria=criteria,
                                             wanted=wanted, deadline=deadline, filed_on=filed_on,
                                             min_score=min_score, score_kind=score_kind)
            except Refused as exc:
                return refused(exc, url_for(".add"))
            return redirect(url_for(".show", pk=req.id))
        return self.render_template(
            "committee/selection_add.html", bodies=service.bodies(session), programmes=service.programmes(session),
            options=service.criterion_options(session), slots=range(self.MAX_CRITERIA),
            score_kinds=service.SCORE_LABELS, today=dt.date.today())

    def _request_run(self, pk) -> tuple[SelectionRequest, SelectionRun]:
        """The request and the run asked for (default: the latest); 404 without a run."""
        req = scoped(SelectionRequest, pk)
        run = self._run(req, request.args.get("run"))
        if run is None:
            abort(404)
        return req, run

    def _run(self, req: SelectionRequest, run_id=None) -> SelectionRun | None:
        if run_id is None:
            return service.latest_run(_db(), req)
        run = scoped(SelectionRun, run_id)
        if run.request_id != req.id:
            abort(404)
        return run

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        req = scoped(SelectionRequest, pk)
        run = self._run(req, request.args.get("run"))
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=self._show(pk),
            related_views=self._related_views, req=req, run=run,
            criteria=service.criteria_labels(_db(), req),
            nominal_headers=service.nominal_headers(), nominal=service.nominal_rows(run) if run else [],
            auxiliary_headers=service.auxiliary_headers(), auxiliary=service.auxiliary_rows(run) if run else [],
            runs=service.runs_of(_db(), req),
            can_run=self.appbuilder.sm.has_access("can_run", self.class_permission_name))

    @expose("/run/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("run")
    def run(self, pk):
        req = scoped(SelectionRequest, pk)
        try:
            service.run_selection(_db(), req, _user_id(), reason=request.form.get("reason"))
        except Refused as exc:
            return refused(exc, url_for(".show", pk=pk))
        flash(gettext("Selection done."), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/pdf/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("show")
    def pdf(self, pk):
        """The whole nominal table and the auxiliary table of a run, made by a background
        job (thousands of rows take minutes)."""
        req, run = self._request_run(pk)
        return start_report("selection_pdf", {"pk": req.id, "run": run.id}, url_for(".show", pk=req.id))

    @expose("/csv/<int:pk>")
    @has_access
    @permission_name("export")
    def csv(self, pk):
        req, run = self._request_run(pk)
        table = request.args.get("table", "nominal")
        if table == "auxiliary":
            data = "".join(stream_rows(service.auxiliary_headers(), service.auxiliary_rows(run)))
        else:
            data = "".join(stream_rows(service.nominal_headers(), service.nominal_csv_rows(run)))
        return download(data.encode("utf-8"), f"selection-{req.id}-{run.id}-{table}.csv", "text/csv; charset=utf-8")


def register(appbuilder, add):
    common = {"category": CATEGORY, "category_label": CATEGORY_LABEL, "category_icon": "fa-address-book"}
    add(CommitteeSessionView, "Committee sessions", label=_l("Committee sessions"), icon="fa-calendar", **common)
    add(ApplicationProcessingView, "Applications to examine", label=_l("Applications to examine"),
        icon="fa-inbox", **common)
    add(ModificationRequestView, "Modification requests", label=_l("Modification requests"), icon="fa-edit",
        **common)
    add(SelectionRequestView, "Selection requests", label=_l("Selection requests"), icon="fa-list-ol", **common)
    add(BodyView, "Bodies", label=_l("Bodies"), icon="fa-building", **common)
    add(OperationalProgrammeView, "Operational programmes", label=_l("Operational programmes"), icon="fa-book",
        **common)
    add(EvaluatorRelationView, "Declared relations", label=_l("Declared relations"), icon="fa-link", **common)
