"""The one place that reaches into Flask-AppBuilder's internals.

FAB 5.3's `SQLAInterface.get_related_obj` (used by its related-view and relation
filters and by forms with excluded relation columns) still calls `Query.get()`, which
SQLAlchemy 2.0 marks legacy (LegacyAPIWarning, a DeprecationWarning). FAB offers no hook
for it, so `install()` replaces that one method with the `Session.get()` equivalent.
tests/test_fab_adapter.py fails when FAB changes the method, so the patch is dropped (or
redone) rather than silently kept. Project code uses FAB's public API everywhere else.
"""
from __future__ import annotations

from typing import Any

from flask_appbuilder.models.sqla.interface import SQLAInterface

FAB_GET_RELATED_OBJ = SQLAInterface.get_related_obj  # as shipped, for the test to compare


def _get_related_obj(self: SQLAInterface, col_name: str, value: Any) -> Any:
    return self.session.get(self.get_related_model(col_name), value)


def install() -> None:
    SQLAInterface.get_related_obj = _get_related_obj
