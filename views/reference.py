"""Reference data views: Admin edits, everyone with a use for them reads."""
from flask_babel import lazy_gettext as _l
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.roles import CENTRE_MANAGER, COMMITTEE, READ
from models.reference import Cluster, Prefecture, Region, TargetGroup, ThematicField
from views.base import BackofficeModelView

CATEGORY = "Reference"
LABELS = {
    "code": _l("Code"),
    "name_el": _l("Name"),
    "name_en": _l("Name (English)"),
    "iso": _l("ISO"),
    "region": _l("Region"),
    "region.name_el": _l("Region"),
    "position": _l("Order"),
    "specialties": _l("Specialties"),
}


class RegionView(BackofficeModelView):
    title = _l("Regions")
    datamodel = SQLAInterface(Region)
    list_columns = ["code", "iso", "name_el", "name_en"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["code", "name_el"]
    base_order = ("id", "asc")
    label_columns = LABELS
    role_permissions = {COMMITTEE: READ, CENTRE_MANAGER: READ}


class PrefectureView(BackofficeModelView):
    title = _l("Prefectures")
    datamodel = SQLAInterface(Prefecture)
    list_columns = ["code", "name_el", "region"]
    add_columns = edit_columns = show_columns = ["code", "name_el", "region"]
    search_columns = ["code", "name_el", "region"]
    order_columns = ["code", "name_el"]
    base_order = ("name_el", "asc")
    label_columns = LABELS
    role_permissions = {COMMITTEE: READ, CENTRE_MANAGER: READ}


class ThematicFieldView(BackofficeModelView):
    title = _l("Thematic fields")
    datamodel = SQLAInterface(ThematicField)
    list_columns = add_columns = edit_columns = show_columns = ["code", "name_el"]
    search_columns = ["code", "name_el"]
    base_order = ("id", "asc")
    label_columns = LABELS
    role_permissions = {COMMITTEE: READ}


class TargetGroupView(ThematicFieldView):
    title = _l("Target groups")
    datamodel = SQLAInterface(TargetGroup)


class ClusterView(BackofficeModelView):
    title = _l("B2 clusters")
    datamodel = SQLAInterface(Cluster)
    list_columns = ["code", "name_el", "name_en", "specialties"]
    add_columns = edit_columns = show_columns = ["code", "position", "name_el", "name_en", "specialties"]
    search_columns = ["code", "name_el", "specialties"]
    base_order = ("position", "asc")
    label_columns = LABELS
    role_permissions = {CENTRE_MANAGER: READ}


def register(appbuilder, add):
    kw = dict(category=CATEGORY, category_label=_l("Reference data"), category_icon="fa-book")
    add(RegionView, "Regions", label=_l("Regions"), icon="fa-map", **kw)
    add(PrefectureView, "Prefectures", label=_l("Prefectures"), icon="fa-map-marker", **kw)
    add(ThematicFieldView, "Thematic fields", label=_l("Thematic fields"), icon="fa-tags", **kw)
    add(TargetGroupView, "Target groups", label=_l("Target groups"), icon="fa-users", **kw)
    add(ClusterView, "Clusters", label=_l("B2 clusters"), icon="fa-th", **kw)
