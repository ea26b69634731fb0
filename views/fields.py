"""Form fields, validators and list formatters shared by the areas' views (the rules they
check live in app.rules)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_appbuilder.fields import EnumField
from flask_appbuilder.widgets import FormWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.rules.centres import teacher_registry_no_is_valid
from app.rules.identifiers import afm_is_valid

YES_NO = {True: _l("Yes"), False: _l("No")}


def yes_no(value: Any) -> Any:
    return YES_NO[bool(value)]


def enum_label(enum_class: Any) -> Callable[[Any], Any]:
    """List/show formatter: FAB hands enums over as their value; show the label."""
    return lambda value: enum_class(value).label if value is not None else ""


class LabelledEnumField(EnumField):
    """FAB's EnumField shows `member.value`; this one shows the translated label."""

    def __init__(self, enum_class, label=None, validators=None, **kwargs):
        super().__init__(enum_class, list(enum_class.__members__), label=label, validators=validators, **kwargs)
        self.choices = [(name, member.label) for name, member in enum_class.__members__.items()]


def valid_afm(form, field) -> None:
    if field.data and not afm_is_valid(field.data.strip()):
        raise ValidationError(gettext("Invalid tax number (Α.Φ.Μ.): nine digits with a valid check digit."))


def valid_am(form, field) -> None:
    if field.data and not teacher_registry_no_is_valid(field.data.strip()):
        raise ValidationError(gettext("Invalid teacher registry number (Α.Μ.): six digits."))


class PresentFieldsFormWidget(FormWidget):
    """FAB's add/edit form widget, listing only the columns the form really has (a view
    may remove fields per user, e.g. the Admin-only ones)."""

    def __init__(self, **kwargs: Any) -> None:
        form, include = kwargs.get("form"), kwargs.get("include_cols")
        if form is not None and include:
            kwargs["include_cols"] = [c for c in include if c in form]
        super().__init__(**kwargs)
