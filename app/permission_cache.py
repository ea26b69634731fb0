"""One query per request for the signed-in user's permissions.

FAB asks the database once per menu item, button and `has_access` check (41 of the 48
statements of an evaluator list page). The roles' (permission, view) pairs are read once
and kept on `flask.g` for the rest of the request; a role change applies from the next
request on. Mixed into app.security's manager."""
from __future__ import annotations

from flask import g, has_app_context
from flask_appbuilder.security.sqla.models import assoc_permissionview_role


class PermissionCacheMixin:
    def _role_permissions(self, role_ids) -> frozenset[tuple[str, str]]:
        key = tuple(sorted(role_ids))
        cache = g.setdefault("_role_permissions", {}) if has_app_context() else {}
        if key not in cache:
            pv, perm, view = self.permissionview_model, self.permission_model, self.viewmenu_model
            rows = (self.session.query(perm.name, view.name)
                    .select_from(pv)
                    .join(assoc_permissionview_role, assoc_permissionview_role.c.permission_view_id == pv.id)
                    .join(perm, perm.id == pv.permission_id)
                    .join(view, view.id == pv.view_menu_id)
                    .filter(assoc_permissionview_role.c.role_id.in_(key))
                    .distinct())
            cache[key] = frozenset((p, v) for p, v in rows)
        return cache[key]

    def exist_permission_on_roles(self, view_name: str, permission_name: str, role_ids) -> bool:
        return (permission_name, view_name) in self._role_permissions(role_ids)

    def _get_user_permission_view_menus(self, user, permission_name: str, view_menus_name):
        if user is None or not getattr(user, "is_authenticated", False):
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles for role in roles):
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        return {v for p, v in self._role_permissions([role.id for role in roles]) if p == permission_name}
