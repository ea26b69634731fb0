"""REST API (JSON, `/api/v1/<resource>/`): read-only and row-scoped like every view.

Only get/get_list/info are routed, so FAB's REST `post` (which ignores base_filters)
does not exist here; an area that needs REST writes adds them with
`access.check_writable` in `pre_add`/`pre_update`. Authenticate with a JWT from
`POST /api/v1/security/login` (rate limited, see app.security).
"""
from collections.abc import Set as AbstractSet

from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app import access
from app.roles import API_READ, CENTRE_MANAGER, COMMITTEE, EVALUATOR
from models.centres import Centre
from models.evaluators import Evaluator


class ScopedModelRestApi(ModelRestApi):
    include_route_methods = {"get", "get_list", "info"}
    base_filters = [access.ROW_SCOPE]
    role_permissions: dict[str, AbstractSet[str]] = {}
    helpdesk_reads = True
    max_page_size = 100

    def _init_properties(self) -> None:
        super()._init_properties()
        # F1: the related choices in `_info` (add_columns/edit_columns/filters) are
        # scoped like the rows themselves.
        access.scope_related_fields(self, ("add_query_rel_fields", "edit_query_rel_fields", "search_query_rel_fields"))

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        # F17: FAB passes "" to gettext for a field without a label or description,
        # which answers the catalogue's header ("Project-Id-Version…").
        for key, source in (("label", self.label_columns), ("description", self.description_columns)):
            info[key] = str(source[field.name]) if source.get(field.name) else ""
        return info


class CentreApi(ScopedModelRestApi):
    resource_name = "centre"
    datamodel = SQLAInterface(Centre)
    list_columns = ["id", "code", "name", "prefecture.code", "prefecture.name_el", "email"]
    show_columns = ["id", "code", "name", "legal_representative", "prefecture.code", "prefecture.name_el",
                    "address", "email", "phone"]
    order_columns = ["code", "name"]
    # Explicit: FAB's default offers every column, addresses included (issue #13: indexed only).
    search_columns = ["code", "name", "prefecture"]
    role_permissions = {CENTRE_MANAGER: API_READ}


class EvaluatorApi(ScopedModelRestApi):
    resource_name = "evaluator"
    datamodel = SQLAInterface(Evaluator)
    list_columns = ["id", "registry_no", "last_name", "first_name", "status", "level", "entry_score", "ranking_score"]
    show_columns = list_columns + ["father_name", "email", "region.name_el"]
    order_columns = ["registry_no", "last_name", "entry_score", "ranking_score"]
    search_columns = ["registry_no", "protocol_no", "last_name", "first_name", "afm", "region", "status", "level"]
    role_permissions = {COMMITTEE: API_READ, EVALUATOR: API_READ}


def register(appbuilder, add):
    appbuilder.add_api(CentreApi)
    appbuilder.add_api(EvaluatorApi)
