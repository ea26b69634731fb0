"""Evaluation of evaluators (E-10…E-15): cycles, marking, levels, rescoring, nominal
tables and the individual sheet. Views read the request, call app.evaluation, render.

Anonymity (E-10): the independent assessor reaches `ReportMark` rows only, through
ReportMarkingView, whose list/show/edit/search/sort/export columns are declared here and
name nothing of the author; the model has no relationship to the report either.
"""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fields import EnumField
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext as _l
from wtforms.validators import DataRequired, NumberRange, Optional

from app import access, jobs
from app import evaluation as service
from app.csv_export import stream_rows
from app.errors import Refused
from app.roles import ADMIN, COMMITTEE, CRUD, EVALUATOR, GRADER, HELPDESK, READ
from models.evaluation import (ATTITUDE, CRITERIA, EvaluationCycle, LevelDecision, LevelThreshold, Participation,
                               PointBand, Report, ReportMark)
from models.evaluators import Evaluator, PerformanceLevel
from models.jobs import JobState
from views.base import BackofficeModelView, BackofficeView, ReadOnlyModelView
from views.calls import download

CATEGORY = "Evaluation"
CATEGORY_LABEL = _l("Evaluation of evaluators")

LABELS = {
    "name": _l("Cycle"),
    "cycle": _l("Cycle"),
    "body": _l("Body"),
    "programme": _l("Operational programme"),
    "starts_on": _l("Starts on"),
    "ends_on": _l("Ends on"),
    "chair": _l("Chair"),
    "assessor": _l("Independent assessor"),
    "sample_all_up_to": _l("Sample: all reports up to"),
    "sample_min": _l("Sample: at least"),
    "sample_share": _l("Sample: share (%)"),
    "sample_seed": _l("Sample seed"),
    "sampled_at": _l("Sample drawn at"),
    "w_commentary": _l("Weight: commentary (%)"),
    "w_clarity": _l("Weight: clarity of justification (%)"),
    "w_consistency": _l("Weight: consistency of judgement (%)"),
    "w_usefulness": _l("Weight: usefulness to the committees (%)"),
    "chair_weight": _l("Weight of the chair's mark (%)"),
    "assessor_weight": _l("Weight of the assessor's mark (%)"),
    "status": _l("Status"),
    "status_label": _l("Status"),
    "closed_at": _l("Closed at"),
    "evaluator": _l("Evaluator"),
    "interest": _l("Interest"),
    "organisation": _l("Organisation / consistency"),
    "time_management": _l("Time management"),
    "cooperativeness": _l("Cooperativeness"),
    "attitude_score": _l("BA i"),
    "reports_score": _l("BA ii"),
    "score": _l("BA"),
    "points": _l("Performance points (MA)"),
    "reference": _l("Report reference"),
    "sampled": _l("Sampled"),
    "code": _l("Report code"),
    "capacity_label": _l("Capacity"),
    "commentary": _l("Commentary"),
    "clarity": _l("Clarity of justification"),
    "consistency": _l("Consistency of judgement"),
    "usefulness": _l("Usefulness to the committees"),
    "mark": _l("Weighted mark"),
    "grader": _l("Grader"),
    "lowest_score": _l("Lowest BA"),
    "level_label": _l("Level"),
    "lowest_points": _l("Lowest total MA"),
    "total_points": _l("Total MA"),
    "previous_level_label": _l("Previous level"),
    "proposed_level_label": _l("Proposed level"),
    "committee_session": _l("Committee session"),
    "session_label": _l("Committee session"),
    "confirmed_at": _l("Confirmed at"),
    "confirmed_by": _l("Confirmed by"),
    "entered_c_on": _l("Entered level Γ on"),
}
MARK_RANGE = [Optional(), NumberRange(min=1, max=100)]  # E-10: every criterion is on 1–100
STATUS_LABELS = {"open": _l("open"), "closed": _l("closed")}
CAPACITY_LABELS = {"chair": _l("chair"), "independent": _l("independent assessor")}


def _flash_refused(exc: Refused) -> None:
    flash(exc.text(), "danger")


# Greek labels for enum values in lists (formatters receive the value).
def _status(value) -> str:
    return str(STATUS_LABELS.get(getattr(value, "value", value), "—"))


def _level(value) -> str:
    return service.level_label(value)


# --- cycles ----------------------------------------------------------------------------------
class CycleContentView(BackofficeModelView):
    """What a cycle holds (its evaluators, their reports): added by the committee until the
    sample is drawn, never edited or deleted (ΒΑ are kept forever, E-11)."""

    base_permissions = ["can_list", "can_show", "can_add", "can_export"]
    role_permissions = {COMMITTEE: {"can_list", "can_show", "can_add", "can_export"}}
    label_columns = LABELS

    def pre_add(self, item):
        super().pre_add(item)
        service.check_content(item.cycle, item.evaluator)


class ParticipationView(CycleContentView):
    """The evaluators of a cycle with their marks and, once closed, ΒΑ and ΜΑ."""

    title = _l("Participations")
    datamodel = SQLAInterface(Participation)
    list_columns = ["cycle", "evaluator", *ATTITUDE, "attitude_score", "reports_score", "score", "points"]
    show_columns = list_columns
    add_columns = ["cycle", "evaluator"]
    # Not "evaluator": its search box would load every evaluator (issue #13). ΜΑ follows ΒΑ:
    # the sort by ΒΑ gives the order by ΜΑ.
    search_columns = ["cycle"]
    order_columns = ["score"]


class ReportView(CycleContentView):
    """The reports each evaluator wrote in a cycle; sampled ones carry their code."""

    title = _l("Evaluators' reports")
    datamodel = SQLAInterface(Report)
    list_columns = ["cycle", "evaluator", "reference", "sampled", "code"]
    show_columns = list_columns
    add_columns = ["cycle", "evaluator", "reference"]
    search_columns = ["cycle", "reference", "code"]  # not "evaluator": it would load every evaluator
    order_columns = ["reference", "code"]


class ReportMarkView(ReadOnlyModelView):
    """Every assignment and mark, for the committee's follow-up."""

    title = _l("Report marks")
    datamodel = SQLAInterface(ReportMark)
    list_columns = ["cycle", "code", "capacity_label", "grader", "commentary", "clarity", "consistency",
                    "usefulness", "mark"]
    show_columns = list_columns
    search_columns = ["cycle", "code"]
    order_columns = ["code"]
    label_columns = LABELS
    role_permissions = {COMMITTEE: READ}


ReportMark.capacity_label = property(lambda self: str(CAPACITY_LABELS[self.capacity.value]))  # type: ignore[attr-defined]
EvaluationCycle.status_label = property(lambda self: _status(self.status))  # type: ignore[attr-defined]
LevelThreshold.level_label = property(lambda self: _level(self.level))  # type: ignore[attr-defined]
LevelDecision.previous_level_label = property(lambda self: _level(self.previous_level))  # type: ignore[attr-defined]
LevelDecision.proposed_level_label = property(lambda self: _level(self.proposed_level))  # type: ignore[attr-defined]
LevelDecision.session_label = property(service.session_label)  # type: ignore[attr-defined]


class EvaluationCycleView(BackofficeModelView):
    """Cycles (E-10): import or enter evaluators and reports, draw the sample, close."""

    title = _l("Evaluation cycles")
    datamodel = SQLAInterface(EvaluationCycle)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export", "can_import_csv"]
    list_columns = ["name", "body", "programme", "starts_on", "ends_on", "chair", "assessor", "status_label",
                    "closed_at"]
    show_columns = ["name", "body", "programme", "starts_on", "ends_on", "chair", "assessor", "sample_all_up_to",
                    "sample_min", "sample_share", "sample_seed", "sampled_at", "w_commentary", "w_clarity",
                    "w_consistency", "w_usefulness", "chair_weight", "assessor_weight", "status_label", "closed_at"]
    add_columns = edit_columns = ["name", "body", "programme", "starts_on", "ends_on", "chair", "assessor",
                                  "sample_all_up_to", "sample_min", "sample_share", "w_commentary", "w_clarity",
                                  "w_consistency", "w_usefulness", "chair_weight", "assessor_weight"]
    search_columns = ["name", "body", "programme"]
    order_columns = ["name", "starts_on", "closed_at"]
    base_order = ("name", "desc")
    label_columns = LABELS
    related_views = [ParticipationView, ReportView]
    show_template = "evaluation/cycle_show.html"
    validators_columns = {c: [NumberRange(min=0, max=100)] for c in
                          ("w_commentary", "w_clarity", "w_consistency", "w_usefulness", "chair_weight",
                           "assessor_weight", "sample_share", "sample_min", "sample_all_up_to")}
    role_permissions = {COMMITTEE: CRUD | {"can_import_csv", "draw_sample", "close_cycle"}}

    def pre_update(self, item):
        super().pre_update(item)
        service.check_cycle_edit(item)

    def pre_delete(self, item):
        super().pre_delete(item)
        service.delete_cycle(self.datamodel.session, item)

    def _on_cycle(self, item, step, done):
        """A cycle action: one cycle (never a list), the service's `step(session, cycle)`
        returning a count, `done(count)` flashed, or the refusal; back to the cycle."""
        if isinstance(item, list):
            abort(400)
        try:
            n = step(self.datamodel.session, item)
        except Refused as exc:
            _flash_refused(exc)
        else:
            flash(done(n), "success")
        return redirect(url_for(".show", pk=item.id))

    @action("draw_sample", _l("Draw the sample"),
            _l("Draw the sample of reports now? It is drawn once and fixes the cycle's evaluators and reports."),
            "fa-random", multiple=False)
    def draw_sample(self, item):
        return self._on_cycle(item, service.draw_sample,
                              lambda n: gettext("Sample drawn: %(n)s reports coded and assigned.", n=n))

    @action("close_cycle", _l("Close the cycle"),
            _l("Close the cycle? Its ΒΑ are computed and never change afterwards."), "fa-lock", multiple=False)
    def close_cycle(self, item):
        return self._on_cycle(item, service.close_cycle, lambda n: gettext(
            "Cycle closed: ΒΑ of %(n)s evaluators computed; level proposals await confirmation.", n=n))

    @expose("/import/<int:pk>", methods=["GET", "POST"])
    @has_access
    def import_csv(self, pk):
        item = self._scoped_get(pk)
        errors: list[str] = []
        if request.method == "POST":
            upload = request.files.get("file")
            text = (upload.read() if upload else b"").decode("utf-8", errors="replace")
            try:
                n = service.import_cycle_csv(self.datamodel.session, item, text)
            except Refused as exc:
                    errors = exc.text().split("; ")
            else:
                flash(gettext("%(n)s reports imported.", n=n), "success")
                return redirect(url_for(".show", pk=item.id))
        return self.render_template("evaluation/cycle_import.html", cycle=item, errors=errors), (400 if errors else 200)


# --- marking ---------------------------------------------------------------------------------
class AttitudeMarkingView(BackofficeModelView):
    """The chair marks axis i of the evaluators of their cycles (E-10)."""

    title = _l("Axis i marks (chair)")
    datamodel = SQLAInterface(Participation)
    base_permissions = ["can_list", "can_show", "can_edit"]
    list_columns = ["cycle", "evaluator", *ATTITUDE]
    show_columns = list_columns
    edit_columns = list(ATTITUDE)
    # The chair's cycle, in entry order (empty lists would offer every column, issue #13).
    search_columns = ["cycle"]
    order_columns = ["id"]
    label_columns = LABELS
    validators_columns = dict.fromkeys(ATTITUDE, MARK_RANGE)
    role_permissions = {GRADER: {"can_list", "can_show", "can_edit"}}
    helpdesk_reads = False

    def pre_update(self, item):
        super().pre_update(item)
        service.check_attitude_marks(item)


class ReportMarkingView(BackofficeModelView):
    """A grader marks the coded reports assigned to them (E-10 axis ii), never their author."""

    title = _l("Report marks (coded)")
    datamodel = SQLAInterface(ReportMark)
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    list_columns = ["cycle", "code", "capacity_label", *CRITERIA]
    show_columns = list_columns
    edit_columns = list(CRITERIA)
    export_columns = list_columns
    search_columns = ["code"]
    order_columns = ["code"]
    base_order = ("code", "asc")
    label_columns = LABELS
    validators_columns = dict.fromkeys(CRITERIA, MARK_RANGE)
    role_permissions = {GRADER: {"can_list", "can_show", "can_edit", "can_export"}}
    helpdesk_reads = False

    def pre_update(self, item):
        super().pre_update(item)
        service.check_report_marks(item, item.cycle)


# --- tables of E-12 and level decisions ----------------------------------------------------
class PointBandView(BackofficeModelView):
    title = _l("Performance points per BA")
    datamodel = SQLAInterface(PointBand)
    list_columns = ["lowest_score", "points"]
    add_columns = edit_columns = show_columns = list_columns
    order_columns = ["lowest_score"]
    base_order = ("lowest_score", "desc")
    label_columns = LABELS
    role_permissions = {COMMITTEE: CRUD}


class LevelField(EnumField):
    """The level as Α, Β, Γ in forms too (FAB's EnumField would show A, B, C)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(PerformanceLevel, list(PerformanceLevel.__members__), label=label, validators=validators,
                         **kwargs)
        self.choices = [(name, service.level_label(member)) for name, member in PerformanceLevel.__members__.items()]


class LevelThresholdView(BackofficeModelView):
    title = _l("Levels by total performance points")
    datamodel = SQLAInterface(LevelThreshold)
    list_columns = ["level_label", "lowest_points"]
    show_columns = list_columns
    add_columns = edit_columns = ["level", "lowest_points"]
    order_columns = ["lowest_points"]
    label_columns = LABELS | {"level": _l("Level")}
    add_form_extra_fields = edit_form_extra_fields = {
        "level": LevelField(label=_l("Level"), validators=[DataRequired()])}
    role_permissions = {COMMITTEE: CRUD}


class LevelDecisionView(BackofficeModelView):
    """Proposed levels after a cycle closes; the committee confirms them in a session (E-12)."""

    title = _l("Level decisions")
    datamodel = SQLAInterface(LevelDecision)
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    list_columns = ["cycle", "evaluator", "total_points", "previous_level_label", "proposed_level_label",
                    "session_label", "confirmed_at", "entered_c_on"]
    show_columns = list_columns + ["confirmed_by"]
    edit_columns = ["committee_session"]  # choices scoped like the rows (views.base)
    search_columns = ["cycle", "committee_session"]  # not "evaluator": it would load every evaluator
    order_columns = ["total_points", "confirmed_at"]
    label_columns = LABELS
    role_permissions = {COMMITTEE: {"can_list", "can_show", "can_edit", "can_export", "confirm_levels"}}

    def pre_update(self, item):
        super().pre_update(item)
        service.check_level_edit(item)

    @action("confirm_levels", _l("Confirm the proposed levels"),
            _l("Confirm the selected levels? The evaluators' levels change now."), "fa-check")
    def confirm_levels(self, items):
        items = items if isinstance(items, list) else [items]
        n = service.confirm_levels(self.datamodel.session, items, actor_id=access.current().id)
        flash(gettext("Levels confirmed: %(n)s.", n=n), "success")
        return redirect(request.referrer or url_for(".list"))


# --- rescoring (E-13) ----------------------------------------------------------------------
class RescoringView(BackofficeView):
    route_base = "/rescoring"
    default_view = "list"
    role_permissions = {COMMITTEE: {"can_list", "can_rescore"}, HELPDESK: {"can_list"}}

    @expose("/")
    @expose("/list/")
    @has_access
    def list(self):
        session = current_app.appbuilder.session
        runs = service.recent_rescorings(session)
        can_rescore = self.appbuilder.sm.has_access("can_rescore", self.class_permission_name)
        return self.render_template("evaluation/rescoring.html", runs=runs, can_rescore=can_rescore,
                                    when=service.when)

    @expose("/rescore", methods=["POST"])
    @has_access
    def rescore(self):
        """E-13 as a background job; its page shows the progress. A second one while
        the first is queued or running is refused."""
        try:
            job = jobs.enqueue("rescoring", {"actor_id": access.current().id})
        except Refused as exc:
            _flash_refused(exc)
            return redirect(url_for(".list"))
        if job.state is JobState.succeeded:  # an immediate queue ran it already
            flash(gettext("Rescoring done: %(n)s evaluators.", n=(job.result or {}).get("evaluators")), "success")
        elif job.state is JobState.failed:
            flash(job.error, "danger")
        else:
            flash(gettext("The rescoring is running in the background; this page shows its progress."), "info")
        return redirect(url_for("JobView.page", pk=job.id), code=303)


# --- nominal tables (E-14) -----------------------------------------------------------------
class RankingTablesView(BackofficeView):
    """E-14 by ranking score (ΒΚ) with the levels: Α and Β, Γ apart, inactive apart."""

    route_base = "/ranking-tables"
    default_view = "list"
    role_permissions = {COMMITTEE: {"can_list", "can_export"}, HELPDESK: {"can_list", "can_export"}}

    @expose("/")
    @expose("/list/")
    @has_access
    def list(self):
        tables = service.nominal_tables(current_app.appbuilder.session)
        return self.render_template("evaluation/nominal.html", tables=tables, level_label=service.level_label)

    @expose("/export/")
    @has_access
    def export(self):
        """Every enrolled and inactive evaluator with ΒΕ, each ΒΑ and ΒΚ: the order can be
        recomputed from the file alone (E-13, E-14)."""
        from reports.evaluation import nominal_csv_rows

        session = current_app.appbuilder.session
        headers, rows = nominal_csv_rows(session, service.nominal_tables(session))
        data = "".join(stream_rows(headers, rows)).encode("utf-8")
        return download(data, "nominal-tables.csv", "text/csv; charset=utf-8")

    @expose("/pdf/", methods=["POST"])
    @has_access
    @permission_name("export")
    def pdf(self):
        """The tables as a PDF, made by a background job (app.evaluation.ranking_tables_pdf_job)."""
        from views.jobs import start_report

        return start_report("ranking_tables_pdf", {}, url_for(".list"))


# --- individual sheet (E-15) ---------------------------------------------------------------
class IndividualSheetView(BackofficeView):
    """Annex III: the evaluator sees only their own, always; committee and help desk all."""

    route_base = "/sheet"
    default_view = "list"
    role_permissions = {EVALUATOR: {"can_list", "can_show"}, COMMITTEE: {"can_list", "can_show"},
                        HELPDESK: {"can_list", "can_show"}}

    def _evaluator(self, evaluator_id: int) -> Evaluator:
        try:
            return service.evaluator_for_sheet(current_app.appbuilder.session, evaluator_id,
                                               access.row_clause(Evaluator))
        except Refused:
            abort(404)

    @expose("/")
    @expose("/list/")
    @has_access
    def list(self):
        """An evaluator's own sheet; for the others, a registry number to look up."""
        user = access.current()
        roles = access.role_names(user)
        if getattr(user, "evaluator_id", None) and EVALUATOR in roles and not roles & {ADMIN, COMMITTEE, HELPDESK}:
            return self.show(user.evaluator_id)
        number = (request.args.get("registry_no") or "").strip()[:16]
        if number:
            session = current_app.appbuilder.session
            found = service.evaluator_id_by_number(session, number, access.row_clause(Evaluator))
            if found is not None:
                return redirect(url_for(".show", evaluator_id=found))
            flash(gettext("No evaluator with registry no. %(no)s.", no=number), "warning")
        return self.render_template("evaluation/sheet_index.html")

    @expose("/<int:evaluator_id>")
    @has_access
    def show(self, evaluator_id):
        evaluator = self._evaluator(evaluator_id)
        data = service.sheet(current_app.appbuilder.session, evaluator)
        session = current_app.appbuilder.session
        return self.render_template("evaluation/sheet.html", sheet=data, level_label=service.level_label,
                                    when=service.when, session_label=service.session_label,
                                    sheet_sections=service.sheet_sections(session, evaluator))

    @expose("/<int:evaluator_id>/chart.png")
    @has_access
    @permission_name("show")
    def chart(self, evaluator_id):
        from reports.evaluation import points_chart

        data = service.sheet(current_app.appbuilder.session, self._evaluator(evaluator_id))
        response = Response(points_chart(data.chart_points), mimetype="image/png")
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:evaluator_id>/pdf")
    @has_access
    @permission_name("show")
    def pdf(self, evaluator_id):
        from reports.evaluation import sheet_pdf

        evaluator = self._evaluator(evaluator_id)
        session = current_app.appbuilder.session
        data = sheet_pdf(service.sheet(session, evaluator), service.sheet_sections(session, evaluator))
        return download(data, f"sheet-{evaluator.registry_no}.pdf", "application/pdf")


def register(appbuilder, add):
    kw = dict(category=CATEGORY, category_label=CATEGORY_LABEL, category_icon="fa-balance-scale")
    add(EvaluationCycleView, "Evaluation cycles", label=_l("Evaluation cycles"), icon="fa-refresh", **kw)
    add(ParticipationView, "Participations", label=_l("Participations"), icon="fa-users", **kw)
    add(ReportView, "Evaluators' reports", label=_l("Evaluators' reports"), icon="fa-file-text-o", **kw)
    add(ReportMarkView, "Report marks", label=_l("Report marks"), icon="fa-list", **kw)
    add(AttitudeMarkingView, "Axis i marks", label=_l("Axis i marks (chair)"), icon="fa-user", **kw)
    add(ReportMarkingView, "Coded report marks", label=_l("Report marks (coded)"), icon="fa-pencil", **kw)
    add(PointBandView, "Performance points", label=_l("Performance points per BA"), icon="fa-sliders", **kw)
    add(LevelThresholdView, "Level thresholds", label=_l("Levels by total performance points"), icon="fa-sliders", **kw)
    add(LevelDecisionView, "Level decisions", label=_l("Level decisions"), icon="fa-gavel", **kw)
    add(RescoringView, "Rescoring", label=_l("Rescoring"), icon="fa-calculator", **kw)
    add(RankingTablesView, "Ranking tables", label=_l("Nominal tables"), icon="fa-list-ol", **kw)
    add(IndividualSheetView, "Individual sheet", label=_l("Individual sheet"), icon="fa-id-badge", **kw)
