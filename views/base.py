"""Base views every area uses: row restrictions on every endpoint, CSV export, POST-only
actions and no flat-file download. Areas declare `role_permissions`; app.roles syncs."""
from __future__ import annotations

import logging
from collections.abc import Set as AbstractSet
from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, request, stream_with_context
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import LazyString, gettext
from werkzeug.exceptions import Forbidden
from sqlalchemy import inspect

from app import access, audit, formatting
from app.listing import ListInterface
from app.csv_export import cell, dotted, sql_csv, sql_rows, stream_rows, wall_clock_flags
from app.errors import Refused  # FAB's add/edit/delete flash a pre_* hook's exception text and save nothing
from app.hardening import guard_writes

log = logging.getLogger(__name__)


class BackofficeView(BaseView):
    """A non-CRUD page. `role_permissions` maps role → {"can_<method>", …}; an
    `@action` method's permission is the action's name, without "can_"."""

    role_permissions: dict[str, AbstractSet[str]] = {}
    helpdesk_reads = False


class BackofficeModelView(ModelView):
    """ModelView with the project's row restriction applied everywhere."""

    list_template = "backoffice/list.html"
    base_filters = [access.ROW_SCOPE]
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"]
    role_permissions: dict[str, AbstractSet[str]] = {}
    helpdesk_reads = True  # K-11
    page_size = 25
    export_columns: list[str] | None = None  # default: list_columns
    # column -> extra FAB filter classes (e.g. app.search.FOLDED_FILTERS for Greek names)
    extra_search_filters: dict[str, list] = {}
    # Plural heading (lazy string): page titles in the user's language are derived
    # from it, instead of FAB's English "List <Model>".
    title = None

    def __init__(self, **kwargs):
        if self.title is not None:
            title = self.title
            self.list_title = title
            self.show_title = LazyString(lambda: gettext("%(title)s: details", title=str(title)))
            self.add_title = LazyString(lambda: gettext("%(title)s: new entry", title=str(title)))
            self.edit_title = LazyString(lambda: gettext("%(title)s: edit", title=str(title)))
        # FAB appends action permissions to this list: never to the shared class list.
        self.base_permissions = list(self.base_permissions)
        # Counts by key, related choices in one statement, deep pages by key (issue #13).
        self.datamodel = ListInterface.of(self.datamodel)
        # Offer only permitted rows in related-field choices (the field then also
        # rejects a forged id: it is not among its choices). FAB's attribute names.
        access.scope_related_fields(self, ("add_form_query_rel_fields", "edit_form_query_rel_fields",
                                           "search_form_query_rel_fields"))
        super().__init__(**kwargs)
        # Every shown value in Greek: enum labels, "—", local times (app.formatting).
        self.formatters_columns = formatting.column_formatters(
            self.datamodel.obj, [*self.list_columns, *self.show_columns], self.formatters_columns)
        if self.extra_search_filters:
            self._filters = self._search_filters()

    def _search_filters(self):
        extra = {column: [f(column, self.datamodel) for f in classes]
                 for column, classes in self.extra_search_filters.items()}
        filters = self.datamodel.get_filters(self.search_columns)
        # FAB appends custom filters to the search form only, while URL arguments
        # (`_flt_<i>_<col>`, i one digit) index _all_filters: the extra filters go first
        # (the form's default choice) in both, and no filter sits past index 9.
        for column, extras in extra.items():
            merged = (extras + filters.get_search_filters().get(column, []))[:10]
            filters.get_search_filters()[column] = merged
            filters._all_filters[column] = merged
        return filters

    def _init_properties(self):
        super()._init_properties()
        guard_writes(self)

    # --- writes: force owner, refuse out-of-scope references --------------------------
    def _check_writable(self, item):
        try:
            access.check_writable(item, self.datamodel.session)
        except Forbidden:
            raise Refused(gettext("You may not refer to a record outside your own organisation.")) from None

    def pre_add(self, item):
        self._check_writable(item)

    def pre_update(self, item):
        self._check_writable(item)

    def pre_delete(self, item):
        if not access.is_visible(item, self.datamodel.session):
            raise Refused(gettext("Record not found."))

    # --- actions: POST only, every row re-checked ------------------------------------
    def _scoped_get(self, pk):
        """The row through this view's base filters (the row scope, or a view's own
        stricter filter); 404 for a malformed key, a missing row or another owner's."""
        if access.get_scoped(self.datamodel.session, self.datamodel.obj, pk, scope=False) is None:
            abort(404)
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return item

    def _check_action(self, name: str) -> None:
        if name not in self.actions:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        self._check_action(name)
        return self.actions[name].func(self._scoped_get(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        self._check_action(name)
        items = [self._scoped_get(pk) for pk in request.form.getlist("rowid")]
        if not items:
            flash(gettext("Select at least one record."), "warning")
            return redirect(request.referrer or self.route_base + "/list/")
        return self.actions[name].func(items)

    @expose("/download/<string:filename>")
    def download(self, filename):
        # FAB's download serves any file of UPLOAD_FOLDER to anyone with the view:
        # areas with files expose their own row-checked downloads instead.
        abort(404)

    # --- CSV export -----------------------------------------------------------------
    def export_query(self):
        """The list page's query: its filters and search (`_flt_` args), its ordering
        (`_oc_`/`_od_`), the base filters (row restriction) – without pagination."""
        filters = self._search_filters()
        get_filter_args(filters)
        joined = filters.get_joined_filters(self._base_filters)
        order_column, order_direction = get_order_args().get(self.__class__.__name__, ("", ""))
        if order_column and order_column not in self.order_columns:
            abort(400)
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        query = self.datamodel.session.query(self.datamodel.obj)
        query = self.datamodel.apply_all(query, joined, order_column, order_direction)
        # Ties broken by the key: a reproducible file, the same from every export path.
        return query.order_by(*inspect(self.datamodel.obj).primary_key)

    @expose("/export/")
    @has_access
    def export(self):
        columns = list(self.export_columns or self.list_columns)
        headers = [str(self.label_columns.get(c, c)) for c in columns]
        batch = current_app.config.get("CSV_EXPORT_BATCH", 1000)
        # 2.0-style execution: the legacy Query uniquifies rows whenever a joined eager
        # load is present, which rules out yield_per (a server-side cursor).
        query = self.export_query()
        stmt = query.statement.execution_options(yield_per=batch)
        session = self.datamodel.session
        audit.record_export(session, self.datamodel.obj.__tablename__,
                            {"view": self.__class__.__name__, "args": request.query_string.decode()[:500]})

        walls = wall_clock_flags(self.datamodel.obj, columns)

        def rows():
            for item in session.execute(stmt).scalars():
                yield [cell(dotted(item, c), wall) for c, wall in zip(columns, walls, strict=True)]

        # Plain and many-to-one columns: formatted by the database and written as CSV by
        # it (PostgreSQL COPY) or by csv.writerows (SQLite); else the values straight from
        # SQL formatted in Python; else objects (e.g. a to-many or computed column).
        body = sql_csv(session, query, self.datamodel.obj, columns, headers, batch)
        if body is None:
            fast = sql_rows(session, query, self.datamodel.obj, columns, batch)
            body = stream_rows(headers, fast if fast is not None else rows(), formatted=True)
        filename = f"{self.datamodel.obj.__tablename__}.csv"
        return Response(
            stream_with_context(body),
            mimetype="text/csv",
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f"attachment; filename={filename}; filename*=UTF-8''{quote(filename)}",
                "Cache-Control": "no-store",
            },
        )


class ReadOnlyModelView(BackofficeModelView):
    base_permissions = ["can_list", "can_show", "can_export"]
