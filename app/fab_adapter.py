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
    ("flask_appbuilder.baseviews.BaseCRUDView", "_init_properties",
     "views.base, app.security: write hooks guarded once the view is built (review F15)"),
    ("flask_appbuilder.api.ModelRestApi", "_init_properties",
     "views.api: related choices of _info scoped once the API is built (review F1)"),
    ("flask_appbuilder.api.ModelRestApi", "_get_field_info",
     "views.api: no catalogue header as a field description (review F17)"),
    ("flask_appbuilder.fields.EnumField", "pre_validate",
     "app.fab_adapter: an unknown enum value is a field error, not a 500 (review F4)"),
    ("flask_appbuilder.views.ModelView", "action_post",
     "app.hardening: FAB's own action endpoints get their rows checked (review F4)"),
)


def _get_related_obj(self: SQLAInterface, col_name: str, value: Any) -> Any:
    return self.session.get(self.get_related_model(col_name), value)


def _check_enum_choices() -> None:
    """FAB's EnumField looks a posted value up in the enum unchecked: an unknown value
    is a KeyError (500). WTForms turns a ValueError into "invalid choice" (F4)."""
    from flask_appbuilder.fields import EnumField
    from flask_babel import gettext
    from wtforms.validators import ValidationError

    if getattr(EnumField, "_backoffice_checked", False):
        return
    original = EnumField.process_formdata

    def process_formdata(self: EnumField, valuelist: list[Any]) -> None:
        try:
            original(self, valuelist)
        except KeyError:
            self.data = None
            raise ValueError(gettext("Not a valid choice.")) from None

    original_pre_validate = EnumField.pre_validate

    def pre_validate(self: EnumField, form: Any) -> None:
        # FAB raises a bare ValueError, which WTForms 3 no longer takes for a field error.
        try:
            original_pre_validate(self, form)
        except ValidationError:
            raise
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    EnumField.process_formdata = process_formdata
    EnumField.pre_validate = pre_validate
    EnumField._backoffice_checked = True


def install() -> None:
    SQLAInterface.get_related_obj = _get_related_obj
    _check_enum_choices()
