"""Evaluation of evaluators (E-10…E-12): the committee assigns sampled reports to
graders; a grader sees and marks only their own assignments, by anonymous code."""
from flask_babel import lazy_gettext as _l
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.roles import COMMITTEE, CRUD, GRADER
from models.evaluation import ReportGrade
from views.base import BackofficeModelView

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
}
MARKS = ["commentary", "clarity", "consistency", "usefulness"]


class GradingAssignmentView(BackofficeModelView):
    datamodel = SQLAInterface(ReportGrade)
    list_columns = ["cycle", "report_code", "evaluator", "grader", "grader_kind"] + MARKS
    add_columns = edit_columns = show_columns = ["cycle", "report_code", "evaluator", "grader", "grader_kind"] + MARKS
    search_columns = ["cycle", "report_code", "evaluator", "grader"]
    order_columns = ["cycle", "report_code"]
    label_columns = LABELS
    role_permissions = {COMMITTEE: CRUD}


class MyGradingView(BackofficeModelView):
    """E-10: the grader receives the reports anonymised – no evaluator column at all."""

    datamodel = SQLAInterface(ReportGrade)
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    list_columns = ["cycle", "report_code", "grader_kind"] + MARKS
    show_columns = list_columns
    edit_columns = MARKS
    search_columns = ["cycle", "report_code"]
    order_columns = ["cycle", "report_code"]
    label_columns = LABELS
    role_permissions = {GRADER: {"can_list", "can_show", "can_edit", "can_export"}}
    helpdesk_reads = False  # the help desk reads the full assignments view instead


def register(appbuilder, add):
    kw = dict(category="Evaluator registry", category_label=_l("Evaluator registry"))
    add(GradingAssignmentView, "Grading assignments", label=_l("Grading assignments"), icon="fa-tasks", **kw)
    add(MyGradingView, "My grading", label=_l("My grading"), icon="fa-pencil", **kw)
