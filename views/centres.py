"""Training support centres (ΚΣΕ): K-1, K-2, K-3, K-11."""
from flask_babel import lazy_gettext as _l
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.roles import CENTRE_MANAGER, READ
from models.centres import Centre
from views.base import BackofficeModelView

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
}


class CentreView(BackofficeModelView):
    """Admin keeps the centres; a manager reads their own (row scope)."""
    title = _l("Training support centres")

    datamodel = SQLAInterface(Centre)
    list_columns = ["code", "name", "prefecture", "email"]
    show_columns = ["code", "name", "legal_representative", "prefecture", "region", "address", "email", "phone"]
    add_columns = edit_columns = ["code", "name", "legal_representative", "prefecture", "address", "email", "phone"]
    export_columns = ["code", "name", "legal_representative", "prefecture.name_el", "region", "address", "email", "phone"]
    search_columns = ["code", "name", "prefecture", "email"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    label_columns = CENTRE_LABELS
    role_permissions = {CENTRE_MANAGER: READ}


def register(appbuilder, add):
    add(CentreView, "Centres", label=_l("Training support centres"), icon="fa-building",
        category=CATEGORY, category_label=CATEGORY_LABEL, category_icon="fa-building")
