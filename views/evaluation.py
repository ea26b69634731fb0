"""Evaluation of evaluators (E-10…E-12): the committee assigns sampled reports to
graders; a grader sees and marks only their own assignments, by anonymous code."""
from flask import flash, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _l
from wtforms.validators import NumberRange, Optional

from app import audit
from models.mixins import utcnow

from app.roles import COMMITTEE, CRUD, GRADER
from models.evaluation import ReportGrade
from views.base import BackofficeModelView, Refused

LABELS = {
    "cycle": _l("Evaluation cycle"),
    "report_code": _l("Report code"),
    "evaluator": _l("Evaluator"),
    "grader": _l("Grader"),
    "grader_kind": _l("Grader capacity"),
    "commentary": _l("Commentary"),
    "clarity": _l("Clarity of justification"),
    "consistency": _l("Consistency of judgement"),
    "usefulness": _l("Usefulness to the committees"),
    "submitted_at": _l("Submitted at"),
}
MARKS = ["commentary", "clarity", "consistency", "usefulness"]
# E-10: every criterion is on 1–100.
MARK_VALIDATORS = {mark: [Optional(), NumberRange(min=1, max=100)] for mark in MARKS}


class GradingAssignmentView(BackofficeModelView):
    title = _l("Grading assignments")
    datamodel = SQLAInterface(ReportGrade)
    list_columns = ["cycle", "report_code", "evaluator", "grader", "grader_kind"] + MARKS + ["submitted_at"]
    add_columns = edit_columns = ["cycle", "report_code", "evaluator", "grader", "grader_kind"]
    show_columns = list_columns
    validators_columns = MARK_VALIDATORS
    search_columns = ["cycle", "report_code", "evaluator", "grader"]
    order_columns = ["cycle", "report_code"]
    label_columns = LABELS
    role_permissions = {COMMITTEE: CRUD}


class MyGradingView(BackofficeModelView):
    """E-10: the grader receives the reports anonymised – no evaluator column at all."""
    title = _l("My grading")

    datamodel = SQLAInterface(ReportGrade)
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]  # + the action's own
    list_columns = ["cycle", "report_code", "grader_kind"] + MARKS + ["submitted_at"]
    show_columns = list_columns
    edit_columns = MARKS
    validators_columns = MARK_VALIDATORS
    search_columns = ["cycle", "report_code"]
    order_columns = ["cycle", "report_code"]
    label_columns = LABELS
    role_permissions = {GRADER: {"can_list", "can_show", "can_edit", "can_export", "submit_grades"}}
    helpdesk_reads = False  # the help desk reads the full assignments view instead

    def pre_update(self, item):
        super().pre_update(item)
        if item.submitted_at is not None:  # submitted marks are final
            raise Refused(gettext("These grades have been submitted and can no longer change."))

    @action("submit_grades", _l("Submit grades"), _l("Submit the selected grades? They cannot be changed afterwards."),
            "fa-check", single=False)
    def submit_grades(self, items):
        items = items if isinstance(items, list) else [items]
        incomplete = [i.report_code for i in items if not i.is_complete]
        if incomplete:
            flash(gettext("Fill in all four criteria first: %(codes)s", codes=", ".join(incomplete)), "danger")
            return redirect(request.referrer or self.get_redirect())
        session = self.datamodel.session
        now = utcnow()
        for item in items:
            if item.submitted_at is None:
                item.submitted_at = now
                audit.record_action(session, "submit_grades", item)
        session.commit()
        flash(gettext("%(n)s grade(s) submitted.", n=len(items)), "success")
        return redirect(request.referrer or self.get_redirect())


def register(appbuilder, add):
    kw = dict(category="Evaluator registry", category_label=_l("Evaluator registry"))
    add(GradingAssignmentView, "Grading assignments", label=_l("Grading assignments"), icon="fa-tasks", **kw)
    add(MyGradingView, "My grading", label=_l("My grading"), icon="fa-pencil", **kw)
