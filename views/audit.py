"""The audit log: read and export for Admin and help desk; nobody edits it."""
from flask_babel import lazy_gettext as _l
from flask_appbuilder.models.sqla.interface import SQLAInterface

from models.audit import AuditEntry
from views.base import ReadOnlyModelView


class AuditEntryView(ReadOnlyModelView):
    title = _l("Audit log")
    datamodel = SQLAInterface(AuditEntry)
    list_columns = ["at", "username", "action", "table_name", "record_id", "request_id"]
    show_columns = list_columns + ["user_id", "changes", "remark"]
    export_columns = show_columns
    search_columns = ["at", "username", "action", "table_name", "record_id", "request_id"]
    order_columns = ["at", "username", "table_name", "record_id", "request_id"]  # indexed (issue #13)
    base_order = ("at", "desc")
    label_columns = {
        "at": _l("Time"),
        "username": _l("User"),
        "user_id": _l("User id"),
        "action": _l("Action"),
        "table_name": _l("Table"),
        "record_id": _l("Record"),
        "request_id": _l("Request"),
        "changes": _l("Changes (before → after)"),
        "remark": _l("Remark"),
    }
    role_permissions = {}  # Admin holds everything; HelpDesk reads (helpdesk_reads)


def register(appbuilder, add):
    add(AuditEntryView, "Audit log", label=_l("Audit log"), icon="fa-history",
        category="Security", category_label=_l("Security"))
