"""The evaluator registry (Ε.Μ.Α.): E-1…E-9, E-13…E-15."""
from flask_babel import lazy_gettext as _l
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.roles import COMMITTEE, CRUD, EVALUATOR, READ
from app.search import FOLDED_FILTERS
from models.evaluators import Evaluator
from views.base import BackofficeModelView

CATEGORY = "Evaluator registry"
CATEGORY_LABEL = _l("Evaluator registry")

LABELS = {
    "registry_no": _l("Registry no."),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "father_name": _l("Father's name"),
    "afm": _l("Tax no. (AFM)"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "region": _l("Region"),
    "region.name_el": _l("Region"),
    "status": _l("Status"),
    "level": _l("Performance level"),
    "entry_score": _l("Entry score (BE)"),
    "ranking_score": _l("Ranking score (BK)"),
}


class EvaluatorView(BackofficeModelView):
    """Committee processes every file; an evaluator reads only their own (row scope)."""
    title = _l("Evaluators")

    datamodel = SQLAInterface(Evaluator)
    list_columns = ["registry_no", "last_name", "first_name", "region", "status", "level", "entry_score", "ranking_score"]
    show_columns = ["registry_no", "last_name", "first_name", "father_name", "afm", "email", "phone", "region",
                    "status", "level", "entry_score", "ranking_score"]
    add_columns = edit_columns = ["registry_no", "last_name", "first_name", "father_name", "afm", "email", "phone",
                                  "region", "status", "level"]
    # Plain and many-to-one columns only: the export then streams straight from SQL
    # (app.csv_export.sql_rows), 100,000 rows without an object each (issue #13).
    export_columns = ["registry_no", "last_name", "first_name", "region.name_el", "status", "level", "entry_score",
                      "ranking_score"]
    search_columns = ["registry_no", "last_name", "first_name", "afm", "region", "status", "level"]
    order_columns = ["registry_no", "last_name", "first_name", "entry_score", "ranking_score"]
    base_order = ("registry_no", "asc")
    label_columns = LABELS
    extra_search_filters = {"last_name": FOLDED_FILTERS}  # «Παπαδόπουλος» = «ΠΑΠΑΔΟΠΟΥΛΟΣ» (issue #13)
    role_permissions = {COMMITTEE: CRUD, EVALUATOR: READ}


def register(appbuilder, add):
    add(EvaluatorView, "Evaluators", label=_l("Evaluators"), icon="fa-id-card",
        category=CATEGORY, category_label=CATEGORY_LABEL, category_icon="fa-address-book")
