"""Greek name search at scale (issue #13): models name their folded columns in
`__folded__ = {"last_name_folded": "last_name"}`; this module keeps them in step on
every insert and update, and gives the list views "starts with" / "contains" filters
that search the folded column (accents and case ignored): a "starts with" is an index
range on both databases, a "contains" uses the trigram index on PostgreSQL."""
from __future__ import annotations

from flask_appbuilder import Model
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import event

from app.rules.search import fold, prefix_range


def _refold(mapper, connection, target) -> None:
    for folded, source in target.__folded__.items():
        setattr(target, folded, fold(getattr(target, source)))


_installed = False


def install() -> None:
    """Listen on every model that declares `__folded__` (idempotent)."""
    global _installed
    if _installed:
        return
    for mapper in Model.registry.mappers:
        if getattr(mapper.class_, "__folded__", None):
            event.listen(mapper.class_, "before_insert", _refold)
            event.listen(mapper.class_, "before_update", _refold)
    _installed = True


def _folded_column(model, column_name: str):
    for folded, source in getattr(model, "__folded__", {}).items():
        if source == column_name:
            return getattr(model, folded)
    raise LookupError(f"{model.__name__}.{column_name} has no folded column")


class FoldedStartsWith(BaseFilter):
    name = _l("Starts with (any accent or case)")
    arg_name = "fsw"

    def apply(self, query, value):
        bounds = prefix_range(fold(value or "") or "")
        if bounds is None:
            return query
        column = _folded_column(self.model, self.column_name)
        return query.filter(column >= bounds[0], column < bounds[1])


class FoldedContains(BaseFilter):
    name = _l("Contains (any accent or case)")
    arg_name = "fct"

    def apply(self, query, value):
        text = fold(value or "")
        if not text:
            return query
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return query.filter(_folded_column(self.model, self.column_name).like(f"%{escaped}%", escape="\\"))


FOLDED_FILTERS = [FoldedStartsWith, FoldedContains]


def backfill(session, batch: int = 5000) -> int:
    """Fold every row whose folded column is still empty (bulk loads bypass the ORM
    events: demo data, imports, the migration). Returns how many rows were filled."""
    from sqlalchemy import bindparam, select

    filled = 0
    for mapper in Model.registry.mappers:
        model = mapper.class_
        for folded, source in (getattr(model, "__folded__", None) or {}).items():
            table = model.__table__
            (pk,) = table.primary_key.columns
            while True:
                rows = session.execute(select(pk, table.c[source]).where(table.c[folded].is_(None), table.c[source].isnot(None))
                                       .limit(batch)).all()
                if not rows:
                    break
                session.execute(table.update().where(pk == bindparam("b_id")).values({folded: bindparam("b_value")}),
                                [{"b_id": row[0], "b_value": fold(row[1])} for row in rows])
                filled += len(rows)
    return filled
