"""Calls, expression of interest, Form A2 and the lottery: K-4…K-9. Thin: the rules are
in app.rules.{expression,annex_a,lottery}, the transactions in app.calls."""
from __future__ import annotations

from pathlib import Path
import io

from flask import Response, abort, flash, redirect, request, send_file, stream_with_context, url_for
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app import access, calls as service, jobs
from app.errors import Refused
from models.jobs import JobState
from app.csv_export import stream_rows
from app.roles import ADMIN, CENTRE_MANAGER, HELPDESK, READ
from app.rules.expression import Phase
from models.calls import Application, ApplicationStatus, Call
from models.centres import Centre
from views.base import BackofficeModelView, BackofficeView, ReadOnlyModelView

CATEGORY = "Training programmes"
CATEGORY_LABEL = _l("Training programmes")
DOCS_CATEGORY = "Physical-object documents"
DOCS_CATEGORY_LABEL = _l("Physical-object documents")
VERIFIER = Path(__file__).resolve().parent.parent / "app" / "rules" / "verify_lottery.py"

CALL_LABELS = {
    "code": _l("Call code"),
    "title": _l("Title"),
    "training_period": _l("Training period"),
    "training_period.name": _l("Training period"),
    "opens_at": _l("Opens at"),
    "closes_at": _l("Closes at"),
    "required_clusters": _l("Required clusters"),
    "max_programmes_per_centre": _l("Maximum programmes per centre"),
    "declarations": _l("Declarations (one per line)"),
    "lottery_run_at": _l("Lottery run at"),
    "lottery_bundle_sha256": _l("Lottery bundle SHA-256"),
}
APPLICATION_LABELS = {
    "id": _l("Form A2"),
    "call": _l("Call"),
    "call.code": _l("Call"),
    "centre": _l("Centre"),
    "centre.code": _l("Centre code"),
    "centre.name": _l("Name"),
    "status": _l("Status"),
    "submitted_at": _l("Submitted at"),
    "random_number": _l("Random number"),
    "ticket": _l("Lottery ticket"),
    "a2_sha256": _l("SHA-256 of Form A2"),
    "draw_position": _l("Position in the draw"),
}
PHASE_LABELS = {Phase.upcoming: _l("Not open yet"), Phase.open: _l("Open"), Phase.closed: _l("Closed")}


def problems_text(exc: Refused) -> list[str]:
    if not exc.problems:
        return [exc.text()]
    out = []
    for p in exc.problems:
        text = gettext(p.message, **p.params)
        line = getattr(p, "line", 0)
        out.append(gettext("Line %(line)s: %(message)s", line=line, message=text) if line else text)
    return out


def flash_problems(exc: Refused) -> None:
    for text in problems_text(exc):
        flash(text, "danger")


def download(data: bytes, filename: str, mimetype: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Calls (K-4), the lottery commitment and results (lottery.md) -----------------------------
class CallView(BackofficeModelView):
    """Admin keeps the calls; everyone concerned reads them, with the lottery panel."""

    datamodel = SQLAInterface(Call)
    title = _l("Calls")
    list_columns = ["code", "title", "training_period", "opens_at", "closes_at", "lottery_run_at"]
    show_columns = ["code", "title", "training_period", "opens_at", "closes_at", "required_clusters",
                    "max_programmes_per_centre", "declarations", "lottery_run_at", "lottery_bundle_sha256"]
    add_columns = ["code", "title", "training_period", "opens_at", "closes_at", "required_clusters",
                   "max_programmes_per_centre", "declarations"]
    edit_columns = ["title", "training_period", "opens_at", "closes_at", "required_clusters",
                    "max_programmes_per_centre", "declarations"]
    export_columns = ["code", "title", "training_period.name", "opens_at", "closes_at", "required_clusters",
                      "max_programmes_per_centre", "lottery_run_at", "lottery_bundle_sha256"]
    search_columns = ["code", "title"]
    order_columns = ["code", "opens_at", "closes_at"]
    base_order = ("opens_at", "desc")
    label_columns = CALL_LABELS
    description_columns = {
        "opens_at": _l("Local time of the call (Europe/Athens)."),
        "closes_at": _l("Local time of the call (Europe/Athens). Applications are accepted until then."),
        "required_clusters": _l("How many clusters a final application must rank (13 unless the call says otherwise)."),
        "max_programmes_per_centre": _l("Lottery: the most programmes one centre can receive."),
        "declarations": _l("K-5: each line is one declaration the centre must accept ('I agree')."),
    }
    show_template = "calls/call_show.html"
    role_permissions = {CENTRE_MANAGER: READ}

    def pre_add(self, item):
        super().pre_add(item)
        service.check_new_call(self.datamodel.session, item)

    def pre_update(self, item):
        super().pre_update(item)
        service.check_call_change(self.datamodel.session, item)

    def _get_list_widget(self, *args, **kwargs):
        # No «Διαγραφή» on a call the state forbids deleting (applications, lottery run).
        kwargs["undeletable"] = service.undeletable_call_ids(self.datamodel.session)
        return super()._get_list_widget(*args, **kwargs)

    def pre_delete(self, item):
        super().pre_delete(item)
        service.check_call_delete(self.datamodel.session, item)

    def render_template(self, template, **kwargs):
        """FAB's show page (row scope and all), with the call's phase and lottery panel."""
        if template == self.show_template:
            call = self._scoped_get(kwargs["pk"])
            page = service.call_page(self.datamodel.session, call)
            kwargs.update(call=call, phase_label=PHASE_LABELS[page["phase"]], is_admin=ADMIN in access.role_names(),
                          **page)
        return super().render_template(template, **kwargs)

    @expose("/bundle/<int:pk>")
    @has_access
    @permission_name("show")
    def bundle(self, pk):
        """The published bundle (lottery.md step 5), byte for byte."""
        item = self._scoped_get(pk)
        try:
            chunks = service.bundle_chunks(self.datamodel.session, item)
        except Refused:
            abort(404)
        filename = f"lottery-{item.code}.json"
        return Response(stream_with_context(chunks), mimetype="application/json", headers={
            "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})

    @expose("/verifier/")
    @has_access
    @permission_name("show")
    def verifier(self):
        """The standalone verifier (Python standard library only)."""
        return download(VERIFIER.read_bytes(), "verify_lottery.py", "text/x-python")

    @action("run_lottery", _l("Run the lottery"),
            _l("Run the lottery of this call now? It runs once and its result is final."), "fa-random",
            multiple=False, single=False)  # the call page has its own button (shown once the call has closed)
    def run_lottery(self, item):
        if isinstance(item, list):  # never offered on the list; refuse a forged bulk post
            abort(400)
        try:
            service.check_lottery_can_run(item)
            job = jobs.enqueue("lottery", {"call_id": item.id})
        except Refused as exc:  # not yet, already run, or another run is queued or running
            flash_problems(exc)
            return redirect(url_for(".show", pk=item.id))
        if job.state is JobState.succeeded:  # an immediate queue ran it already
            flash(gettext("The lottery has run. Its bundle and SHA-256 are published on the call page."), "success")
        elif job.state is JobState.failed:
            flash(job.error, "danger")
        else:
            flash(gettext("The lottery is running in the background; this page shows its progress."), "info")
        return redirect(url_for("JobView.page", pk=job.id), code=303)


# --- Annex A (K-4): the table, its CSV/PDF, the import -------------------------------------------
class AnnexAView(BackofficeView):
    """"Πίνακας Γεωγραφικής Κατανομής Προγραμμάτων Επιμόρφωσης" of a call."""

    route_base = "/annexa"
    role_permissions = {CENTRE_MANAGER: {"can_list", "can_export"}, HELPDESK: {"can_list", "can_export"}}

    def _call(self, call_id=None) -> Call:
        call = service.call_or_latest(self.appbuilder.session, call_id or request.args.get("call", type=int))
        if call is None:
            abort(404)
        return call

    @expose("/")
    @expose("/list/")
    @has_access
    def list(self):
        session = self.appbuilder.session
        calls = service.calls_newest_first(session)
        if not calls:
            return self.render_template("calls/annex_a.html", call=None, calls=[], table=None, can_import=False)
        call = self._call()
        return self.render_template(
            "calls/annex_a.html", call=call, calls=calls, table=service.annex_table(session, call.id),
            can_import=self.appbuilder.sm.has_access("can_import_csv", self.class_permission_name),
            importable=service.phase_of(call) is Phase.upcoming)

    @expose("/export/")
    @has_access
    def export(self):
        """CSV in the import format (plus names), so it imports back unchanged."""
        call = self._call()
        rows = service.annex_export_rows(self.appbuilder.session, call)
        data = "".join(stream_rows(["cluster", "category", "area", "programmes", "cluster_name", "area_name"], rows))
        return download(data.encode("utf-8"), f"annex-a-{call.code}.csv", "text/csv; charset=utf-8")

    @expose("/pdf/")
    @has_access
    @permission_name("export")
    def pdf(self):
        from reports.calls import annex_a_pdf

        call = self._call()
        data = annex_a_pdf(call, service.annex_table(self.appbuilder.session, call.id))
        return download(data, f"annex-a-{call.code}.pdf", "application/pdf")

    @expose("/import/<int:call_id>", methods=["GET", "POST"])
    @has_access
    def import_csv(self, call_id):
        session = self.appbuilder.session
        call = self._call(call_id)
        errors = []
        if request.method == "POST":
            upload = request.files.get("file")
            data = upload.read() if upload else b""
            try:
                count = service.import_annex_a(session, call, data)
            except Refused as exc:
                errors = problems_text(exc)
            else:
                flash(gettext("Annex A imported: %(count)s cells.", count=count), "success")
                return redirect(url_for(".list", call=call.id))
        return self.render_template("calls/annex_a_import.html", call=call, errors=errors,
                                    importable=service.phase_of(call) is Phase.upcoming), (400 if errors else 200)


# --- Expression of interest (K-5…K-9) ----------------------------------------------------------
class ExpressionOfInterestView(BackofficeView):
    """"Προγράμματα Επιμόρφωσης → Επιλογή/Κατανομή συστάδων". A centre manager works on
    their own centre's application only (the centre comes from the account, never from
    the form); the help desk and the Admin read any centre's."""

    route_base = "/expression-of-interest"
    role_permissions = {CENTRE_MANAGER: {"can_list", "can_save", "can_submit"}, HELPDESK: {"can_list"}}

    def _call(self, call_id, centre_id=None) -> Call | None:
        call = service.call_for_centre(self.appbuilder.session, call_id, centre_id)
        if call is None and call_id:
            abort(404)
        return call

    def _centre(self) -> Centre | None:
        """The centre shown: a manager's own; for the help desk/Admin the one asked for
        (`?centre=`), checked against the row scope like any other id."""
        session = self.appbuilder.session
        asked = request.args.get("centre", type=int)
        own = access.managed_centre_id()
        if own and asked and asked != own:
            abort(404)
        centre_id = own or asked
        if centre_id:
            centre = service.centre_in_scope(session, centre_id)
            if centre is None:
                abort(404)
            return centre
        return None

    def _own_centre_for_write(self) -> Centre:
        centre = service.writable_centre(self.appbuilder.session, access.managed_centre_id(),
                                         request.form.get("centre"))
        if centre is None:
            abort(403)  # only a centre manager applies, for their own centre, from a form made for it
        return centre

    def _page(self, call, centre, *, ranking=None, accepted=None, status=200):
        try:
            context = service.applications_page(
                self.appbuilder.session, call, centre, ranking=ranking, accepted=accepted,
                may_overview=bool({ADMIN, HELPDESK} & access.role_names()),
                manager=bool(access.managed_centre_id()), page=request.args.get("page", 1, type=int))
        except Refused as exc:
            abort(exc.status)
        if call is not None:
            context["phase_label"] = PHASE_LABELS[context["phase"]]
        return self.render_template("calls/eoi.html", **context), status

    @expose("/")
    @expose("/list/")
    @expose("/<int:call_id>/")
    @has_access
    def list(self, call_id=None):
        centre = self._centre()
        return self._page(self._call(call_id, centre.id if centre else None), centre)

    @expose("/<int:call_id>/save", methods=["POST"])
    @has_access
    def save(self, call_id):
        """'Καταχώριση επιλογών' (K-5)."""
        centre = self._own_centre_for_write()
        call = self._call(call_id)
        session = self.appbuilder.session
        try:
            service.save_choices(session, call, centre.id, request.form, request.form.get("version"))
        except Refused as exc:
            flash_problems(exc)
            ranking, accepted = service.posted_choices(session, call, request.form)
            return self._page(call, centre, ranking=ranking, accepted=accepted, status=400)
        flash(gettext("Your choices have been saved. Check them and make the final submission."), "success")
        return redirect(url_for(".list", call_id=call.id), code=303)

    @expose("/<int:call_id>/submit", methods=["POST"])
    @has_access
    def submit(self, call_id):
        """'Οριστική υποβολή' (K-6, K-7): Yes/No confirmation first (a page without
        JavaScript, a dialog with it), then one transaction."""
        centre = self._own_centre_for_write()
        call = self._call(call_id)
        session = self.appbuilder.session
        if request.form.get("confirm") != "yes":
            app = service.application_for(session, call.id, centre.id)
            return self.render_template("calls/eoi_confirm.html", call=call, centre=centre, app=app,
                                        version=request.form.get("version", ""))
        try:
            app = service.final_submit(session, call, centre.id, request.form.get("version"))
        except Refused as exc:
            flash_problems(exc)
            return redirect(url_for(".list", call_id=call.id), code=303)
        flash(gettext("Final submission completed. Your random number is %(number)s. Form A2 is ready.",
                      number=app.random_number), "success")
        return redirect(url_for(".list", call_id=call.id), code=303)


# --- Form A2 (K-8): Έγγραφα Φυσικού Αντικειμένου → Προγράμματα επιμόρφωσης → Α2 -------------------
class FinalOnly(BaseFilter):
    name = "Final applications"
    arg_name = "final"

    def apply(self, query, value):
        return query.filter(Application.status == ApplicationStatus.final)


def _a2_link(pk):
    href = url_for("A2DocumentView.pdf", pk=pk)
    return Markup('<a class="a2-download" href="{}"><i class="fa fa-file-pdf-o"></i> {}</a>').format(
        href, escape(gettext("Form A2 (PDF)")))


class A2DocumentView(ReadOnlyModelView):
    """Form A2 of every final application in scope: a manager sees their own centre's."""

    datamodel = SQLAInterface(Application)
    base_filters = [access.ROW_SCOPE, ["id", FinalOnly, None]]
    list_columns = ["call", "centre", "submitted_at", "random_number", "id"]
    show_columns = ["call", "centre", "status", "submitted_at", "random_number", "ticket", "a2_sha256", "draw_position"]
    export_columns = ["call.code", "centre.code", "centre.name", "submitted_at", "random_number", "a2_sha256"]
    search_columns = ["call", "random_number"]  # not "centre": its search box would load every centre
    order_columns = ["submitted_at", "random_number"]
    base_order = ("submitted_at", "desc")
    label_columns = APPLICATION_LABELS
    formatters_columns = {"id": _a2_link}
    title = _l("Training programmes → A2: Application / declaration of interest")
    role_permissions = {CENTRE_MANAGER: READ}

    @expose("/pdf/<int:pk>")
    @has_access
    @permission_name("show")
    def pdf(self, pk):
        item = self._scoped_get(pk)  # row scope + final: another centre's id is a 404
        data = service.a2_document(item)
        return download(data, f"A2-{item.call.code}-{item.centre.code}.pdf", "application/pdf")


def register(appbuilder, add):
    add(ExpressionOfInterestView, "Cluster selection", label=_l("Selection/allocation of clusters"),
        icon="fa-list-ol", category=CATEGORY, category_label=CATEGORY_LABEL, category_icon="fa-graduation-cap")
    add(AnnexAView, "Annex A", label=_l("Geographic distribution of training programmes"), icon="fa-table",
        category=CATEGORY, category_label=CATEGORY_LABEL)
    add(CallView, "Calls", label=_l("Calls"), icon="fa-bullhorn", category=CATEGORY, category_label=CATEGORY_LABEL)
    add(A2DocumentView, "A2 documents", label=_l("Training programmes → A2: Application / declaration of interest"),
        icon="fa-file-pdf-o", category=DOCS_CATEGORY, category_label=DOCS_CATEGORY_LABEL, category_icon="fa-folder-open")
