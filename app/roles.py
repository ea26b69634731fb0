"""Roles and what each may do. Views declare their grants (`role_permissions`); this
module names the roles, the permission bundles and the permissions every signed-in
user needs, and `sync_roles` writes them into FAB's tables (run by `flask roles sync`)."""
from __future__ import annotations

ADMIN = "Admin"
HELPDESK = "HelpDesk"
CENTRE_MANAGER = "CentreManager"
COMMITTEE = "Committee"
EVALUATOR = "Evaluator"
GRADER = "Grader"
ROLES = (ADMIN, HELPDESK, CENTRE_MANAGER, COMMITTEE, EVALUATOR, GRADER)

READ = frozenset({"can_list", "can_show", "can_export"})
WRITE = frozenset({"can_add", "can_edit", "can_delete"})
CRUD = READ | WRITE
API_READ = frozenset({"can_get", "can_info"})  # a REST API's read methods
# K-11: the help desk reads everything and changes nothing.
HELPDESK_PERMISSIONS = READ

# Every signed-in user: own profile, own password (with the current one), language.
USER_VIEW = "BackofficeUserDBModelView"  # app.security's user view
SELF_SERVICE = frozenset(
    {
        ("can_userinfo", USER_VIEW),
        ("resetmypassword", USER_VIEW),  # the profile page's "change password" button
        ("userinfoedit", USER_VIEW),  # the profile page's "edit" button
        ("can_this_form_get", "ChangeOwnPasswordView"),
        ("can_this_form_post", "ChangeOwnPasswordView"),
        ("can_this_form_get", "UserInfoEditView"),
        ("can_this_form_post", "UserInfoEditView"),
    }
)
# Read-only access to FAB's user list for the help desk (K-11), nothing else of Security.
HELPDESK_SECURITY = frozenset({("can_list", USER_VIEW), ("can_show", USER_VIEW)})


def grants_for(appbuilder) -> dict[str, set[tuple[str, str]]]:
    """(permission, view) pairs per role, from the registered views' declarations.

    Admin receives every permission that exists. Menu entries follow the views: a role
    sees a menu item iff it may list that view, and a category iff it sees an item in it.
    A view takes part by declaring `role_permissions` (views.base, views.api): read from
    the registered instances, so this layer never imports the views.
    """
    grants: dict[str, set[tuple[str, str]]] = {role: set(SELF_SERVICE) for role in ROLES if role != ADMIN}
    grants[HELPDESK] |= HELPDESK_SECURITY
    for view in appbuilder.baseviews:
        declared = getattr(view, "role_permissions", None)
        if declared is None:
            continue  # FAB's own views and public pages
        name = view.class_permission_name
        existing = set(view.base_permissions or ())
        declared = dict(declared)
        if getattr(view, "helpdesk_reads", False):
            declared.setdefault(HELPDESK, set())
            declared[HELPDESK] = set(declared[HELPDESK]) | ((HELPDESK_PERMISSIONS | API_READ) & existing)
        for role, perms in declared.items():
            for perm in perms:
                if perm in existing:
                    grants[role].add((perm, name))
    # Menus: item visible iff the role may list its view.
    for category in appbuilder.menu.get_list():
        children = category.childs or [category]
        visible_roles: set[str] = set()
        for item in children:
            view = _view_for_menu_item(appbuilder, item.name)
            if view is None:
                continue
            for role in grants:
                if ("can_list", view) in grants[role] or ("can_show", view) in grants[role] or (
                    "can_index", view) in grants[role]:
                    grants[role].add(("menu_access", item.name))
                    visible_roles.add(role)
        if category.childs:
            for role in visible_roles:
                grants[role].add(("menu_access", category.name))
    return grants


def _view_for_menu_item(appbuilder, menu_name: str) -> str | None:
    return appbuilder.menu_views.get(menu_name) if hasattr(appbuilder, "menu_views") else None


def sync_roles(appbuilder) -> dict[str, int]:
    """Create every view's permissions and set each role to exactly its grants."""
    sm = appbuilder.sm
    # Roles first: FAB gives each new permission to Admin and stops at the first
    # permission of a view when the Admin role does not exist yet.
    for role_name in ROLES:
        sm.find_role(role_name) or sm.add_role(role_name)
    appbuilder.add_permissions(update_perms=True)
    appbuilder.security_cleanup()  # drop permissions of views that no longer exist
    session = sm.session
    all_pvms = session.query(sm.permissionview_model).all()
    by_key = {(pvm.permission.name, pvm.view_menu.name): pvm for pvm in all_pvms}
    grants = grants_for(appbuilder)
    counts = {}
    for role_name in ROLES:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        if role_name == ADMIN:
            wanted = list(all_pvms)
        else:
            wanted = [by_key[key] for key in sorted(grants[role_name]) if key in by_key]
        role.permissions = wanted
        counts[role_name] = len(wanted)
    session.commit()
    return counts
