"""What every page's frame needs: its language, a title of its own (WCAG 2.4.2) and the
breadcrumbs, both derived from the menu entry of the current view."""
from __future__ import annotations

from flask import current_app, request, session
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app import formatting


# The manual's third menu level (seed 000: «Διαχείριση πόρων ΚΣΕ → Αίθουσες → Διαχείριση
# Αιθουσών»): a heading inside a category's dropdown, by menu item name. FAB's menu has
# two levels; the heading groups the items that follow it.
MENU_GROUPS = {
    "Rooms": _l("Menu group: rooms"), "Workstations": _l("Menu group: rooms"),
    "Coordinators": _l("Menu group: coordination staff"),
    "Technical managers": _l("Menu group: technical managers"),
    "Staff final submission": _l("Menu group: final submission"),
    "Staff submissions": _l("Menu group: final submission"),
}


# The system's own menus (FAB's Security, the reference lists, the jobs) share one navbar
# entry «Σύστημα», each under its heading, when a role sees two or more of them: the
# Admin's bar then fits one row at 1280 px.
SYSTEM_MENUS = ("Security", "Reference", "Background jobs")
SYSTEM_LABEL = _l("System")


def navbar_entries(menu) -> tuple[list, list]:
    """(entries shown on the bar, entries grouped under «Σύστημα»), of those the user sees."""
    sm = current_app.appbuilder.sm
    visible = [item for item in menu.get_list() if sm.has_access("menu_access", item.name)]
    system = [item for item in visible if item.name in SYSTEM_MENUS]
    if len(system) < 2:
        return visible, []
    return [item for item in visible if item.name not in SYSTEM_MENUS], system


def menu_group(name: str) -> str | None:
    group = MENU_GROUPS.get(name)
    return str(group) if group is not None else None


def _menu_trail():
    """(category item or None, menu item) whose view serves this request."""
    blueprint = request.blueprint
    if not blueprint:
        return None, None
    for top in current_app.appbuilder.menu.get_list():
        for item in (top.childs or [top]):
            view = getattr(item, "baseview", None)
            endpoint = view.endpoint if view is not None else str(item.href or "").split(".")[0]
            if endpoint == blueprint:
                return (top if top.childs else None), item
    return None, None


def page_lang() -> str:
    return session.get("locale") or current_app.config.get("BABEL_DEFAULT_LOCALE", "el")


def page_title(title=None) -> str:
    app_name = current_app.appbuilder.app_name
    if request.endpoint and request.endpoint.endswith(".index") and request.path == "/":
        title = title or gettext("Home")
    if not title:
        _, item = _menu_trail()
        title = gettext(str(item.label)) if item is not None else None
    return f"{title} · {app_name}" if title else app_name


def breadcrumbs(title=None) -> list[tuple[str, str | None]]:
    if request.path == "/" or request.endpoint is None or "login" in request.endpoint:
        return []
    crumbs = [(gettext("Home"), current_app.appbuilder.get_url_for_index)]
    category, item = _menu_trail()
    if category is not None:
        crumbs.append((gettext(str(category.label)), None))
    if item is not None:
        if menu_group(item.name):
            crumbs.append((menu_group(item.name), None))
        crumbs.append((gettext(str(item.label)), item.get_url()))
    if title and str(title) != (crumbs[-1][0] if len(crumbs) > 1 else None):
        crumbs.append((str(title), None))
    return crumbs if len(crumbs) > 1 else []


def install(app) -> None:
    formatting.install(app)
    app.jinja_env.globals.update(page_lang=page_lang, page_title=page_title, breadcrumbs=breadcrumbs,
                                  active_filters=active_filters, menu_group=menu_group,
                                  navbar_entries=navbar_entries, system_label=SYSTEM_LABEL)


def active_filters() -> list[tuple[str, str]]:
    """(column label, value) of each `_flt_<op>_<column>` argument of this list page."""
    view = next((v for v in current_app.appbuilder.baseviews
                 if getattr(v, "endpoint", None) == request.blueprint), None)
    labels = getattr(view, "label_columns", {}) or {}
    found = []
    for arg, value in request.args.items(multi=True):
        if not arg.startswith("_flt_") or value == "":
            continue
        column = arg.split("_", 3)[-1]
        found.append((str(labels.get(column, column)), value))
    return found
