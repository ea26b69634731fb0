"""Indexes at national scale (issue #13): every table says whether it is large or
bounded (models.mixins), and no list or API of a large table offers a sort or a filter
that would scan it: each such column leads an index, is a filter column declared exempt
with a reason (models.mixins.unindexed_filter), or is not offered."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_appbuilder import Model
from flask_appbuilder.baseviews import BaseCRUDView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import Column, inspect
from sqlalchemy.orm import RelationshipDirection

from models.mixins import BOUNDED, is_large, table_rows


def _model_of(table):
    """The mapped class of a table (the base class of a single-table hierarchy)."""
    for mapper in Model.registry.mappers:
        if mapper.local_table is table and mapper.inherits is None:
            return mapper.class_
    return None


def _leading(table) -> set[str]:
    """Columns that lead an index usable for any query: plain indexes, unique
    constraints, the primary key (a partial index serves only its own condition)."""
    names = set()
    for index in table.indexes:
        partial = any(options.get("where") is not None for options in index.dialect_options.values())
        columns = list(index.expressions)
        if not partial and columns and isinstance(columns[0], Column):
            names.add(columns[0].name)
    for constraint in table.constraints:
        columns = list(getattr(constraint, "columns", []))
        if columns and type(constraint).__name__ in ("PrimaryKeyConstraint", "UniqueConstraint"):
            names.add(columns[0].name)
    names |= {c.name for c in table.columns if c.unique or c.index or c.primary_key}
    return names


def _views(app):
    return [v for v in app.appbuilder.baseviews if isinstance(getattr(v, "datamodel", None), SQLAInterface)]


def index_problems(view, *, page: bool | None = None) -> list[str]:
    """What in `view`'s sorts and filters would scan a large table, or load one whole.
    `page`: a page with a search form (default: a FAB CRUD view, not the REST API)."""
    model = view.datamodel.obj
    mapper = inspect(model)
    table = mapper.local_table
    name = type(view).__name__
    sorts = set(getattr(view, "order_columns", None) or [])
    base_order = getattr(view, "base_order", None)
    if base_order:
        sorts.add(base_order[0])
    filters = set(getattr(view, "search_columns", None) or [])
    # A related filter of a page is a drop-down of every row it may refer to.
    has_choices = isinstance(view, BaseCRUDView) if page is None else page
    problems = []
    large = is_large(table, model)
    leading = _leading(table)
    for column in sorted(sorts | filters):
        where = f"{name}: {table.name}.{column}"
        sorted_on = column in sorts
        if "." in column:
            if large:
                problems.append(f"{where}: a related table's column cannot be indexed here")
            continue
        if column in mapper.relationships:
            rel = mapper.relationships[column]
            target = rel.mapper.local_table
            if sorted_on and large:
                problems.append(f"{where}: sorted on a relationship")
            if has_choices and column in filters and is_large(target, rel.mapper.class_):
                problems.append(f"{where}: its filter lists every row of the large table {target.name}")
            if rel.direction is RelationshipDirection.MANYTOMANY:
                secondary = rel.secondary
                remote = [c for c in secondary.columns if any(fk.column.table is target for fk in c.foreign_keys)]
                if is_large(secondary) and not (remote and remote[0].name in _leading(secondary)):
                    problems.append(f"{where}: no index on {secondary.name} for the filter")
            elif large and rel.direction is RelationshipDirection.MANYTOONE:
                local = sorted(rel.local_columns, key=lambda c: c.name)
                if local[0].name not in leading:
                    problems.append(f"{where}: no index on {local[0].name}")
            continue  # one-to-many: compared by this table's key
        if not large:
            continue
        attr = mapper.column_attrs.get(column)
        if attr is None or len(attr.columns) != 1 or getattr(attr.columns[0], "table", None) is not table:
            problems.append(f"{where}: not a column of the table (a computed value cannot be indexed)")
            continue
        col = attr.columns[0]
        if col.name in leading:
            continue
        if not sorted_on and col.info.get("unindexed_filter"):
            continue
        problems.append(f"{where}: no index led by {col.name}" + (" (sorted)" if sorted_on else ""))
    return problems


def test_every_table_says_whether_it_is_large_or_bounded():
    from app.factory import create_app  # noqa: F401  (imports every model)

    undeclared, unexplained = [], []
    for table in Model.metadata.sorted_tables:
        rows = table_rows(table, _model_of(table))
        if rows is None:
            undeclared.append(table.name)
        elif rows == BOUNDED and len(table.info.get("rows_reason", "")) < 10:
            unexplained.append(table.name)
    assert undeclared == [], "tables that say neither large nor bounded (models.mixins): " + ", ".join(undeclared)
    assert unexplained == [], "bounded tables without a reason: " + ", ".join(unexplained)


def test_no_list_or_api_sorts_or_filters_a_large_table_without_an_index(shared_app):
    views = _views(shared_app)
    assert {"EvaluatorView", "CentreApi", "EvaluatorApi", "BackofficeUserDBModelView"} <= {type(v).__name__ for v in views}
    problems = [p for view in views for p in index_problems(view)]
    assert problems == [], "\n".join(problems)


def test_exempt_filter_columns_give_a_reason():
    for table in Model.metadata.sorted_tables:
        for column in table.columns:
            reason = column.info.get("unindexed_filter")
            assert reason is None or len(reason) >= 10, f"{table.name}.{column.name}"


def _view(model, **attrs):
    attrs = {"order_columns": [], "search_columns": [], "base_order": None, **attrs}
    return SimpleNamespace(datamodel=SQLAInterface(model), **attrs)


@pytest.mark.parametrize("attrs, found", [
    ({"order_columns": ["father_name"]}, "evaluator.father_name: no index led by father_name (sorted)"),
    ({"search_columns": ["home_city"]}, "evaluator.home_city: no index led by home_city"),
    ({"base_order": ("tax_office", "asc")}, "evaluator.tax_office: no index led by tax_office (sorted)"),
    ({"search_columns": ["mail_prefecture"]}, "evaluator.mail_prefecture: no index on mail_prefecture_id"),
    ({"order_columns": ["region.name_el"]}, "a related table's column cannot be indexed here"),
    ({"order_columns": ["gender"]}, "evaluator.gender: no index led by gender (sorted)"),
])
def test_the_check_finds_an_unindexed_sort_or_filter(attrs, found):
    from models.evaluators import Evaluator

    assert any(found in p for p in index_problems(_view(Evaluator, **attrs))), index_problems(_view(Evaluator, **attrs))


def test_the_check_finds_a_filter_that_lists_a_large_table():
    from models.evaluation import Participation

    view = _view(Participation, search_columns=["evaluator"])
    assert any("lists every row of the large table evaluator" in p for p in index_problems(view, page=True))
    assert index_problems(view, page=False) == []  # the API filters by key: no drop-down


def test_indexed_and_exempt_columns_pass():
    from models.evaluators import Evaluator

    assert index_problems(_view(Evaluator, order_columns=["registry_no"], search_columns=["status", "region"])) == []
