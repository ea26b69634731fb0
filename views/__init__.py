"""View registration, one module per area. `add` records which view each menu item
opens so that app.roles can grant menu access along with the view."""
from __future__ import annotations

from functools import partial


def _add(appbuilder, view_cls, name, **kwargs):
    view = appbuilder.add_view(view_cls, name, **kwargs)
    appbuilder.menu_views[name] = view.class_permission_name
    return view


def register_views(appbuilder) -> None:
    from views import account, api, audit, calls, centres, committee, evaluation, evaluators, jobs, reference

    from app.roles import USER_VIEW

    appbuilder.menu_views = {"List Users": USER_VIEW}
    add = partial(_add, appbuilder)
    for module in (centres, account, calls, evaluators, committee, evaluation, reference, audit, jobs, api):
        module.register(appbuilder, add)
