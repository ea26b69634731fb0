"""The one place that reaches into Flask-AppBuilder's internals.

FAB 5.3's `SQLAInterface.get_related_obj` (used by its related-view and relation
filters and by forms with excluded relation columns) still calls `Query.get()`, which
SQLAlchemy 2.0 marks legacy (LegacyAPIWarning, a DeprecationWarning). FAB offers no hook
for it, so `install()` replaces that one method with the `Session.get()` equivalent.
tests/test_fab_adapter.py fails when FAB changes the method, so the patch is dropped (or
redone) rather than silently kept.

The areas use FAB's public API (widgets, `render_template`, `pre_*` hooks, `@limit`). A
few FAB internals are still read elsewhere; `FAB_INTERNALS_IN_USE` lists them, and the
same test fails when a FAB upgrade removes one.
"""
from __future__ import annotations

from typing import Any

from flask_appbuilder.models.sqla.interface import SQLAInterface

FAB_GET_RELATED_OBJ = SQLAInterface.get_related_obj  # as shipped, for the test to compare

# (FAB class, member, who reads it and why). Route new needs through here instead.
FAB_INTERNALS_IN_USE = (
    ("flask_appbuilder.baseviews.BaseCRUDView", "_base_filters",
     "views.base: the row scope joined with FAB's own filters (scoped lookup, CSV export)"),
    ("flask_appbuilder.baseviews.BaseCRUDView", "_deserialize_pk_if_composite",
     "views.base: the scoped lookup takes FAB's primary-key format"),
    ("flask_appbuilder.security.views.AuthView", "_get_authenticated_user",
     "app.security: logout by POST tells FAB's on_user_logout who left"),
)


def _get_related_obj(self: SQLAInterface, col_name: str, value: Any) -> Any:
    return self.session.get(self.get_related_model(col_name), value)


def install() -> None:
    SQLAInterface.get_related_obj = _get_related_obj
