"""The authorization matrix: every registered view × every role.

VIEW_MATRIX below is the policy written independently of the code: a new view that is
not in it fails `test_every_view_is_in_the_matrix`, so every later view is covered.
Each cell is checked in FAB's permission tables after `roles sync`, and over HTTP: list,
add and export answer 200 or 403 as the matrix says, and every permission of every FAB
view (routes, actions, API methods) is sent for every role and checked against the
role's grants (`test_every_permission_over_http_follows_the_grants`).
"""
import pytest

from app.roles import ADMIN, CENTRE_MANAGER, COMMITTEE, EVALUATOR, GRADER, HELPDESK, ROLES

R = {"can_list", "can_show", "can_export"}
W = {"can_add", "can_edit", "can_delete"}
RW = R | W
API = {"can_get", "can_info"}

# view -> role -> permissions (Admin holds everything and is not listed).
VIEW_MATRIX: dict[str, dict[str, set[str]]] = {
    # K-11: the help desk reads every area.
    "CentreView": {HELPDESK: R, CENTRE_MANAGER: R},
    "RegionView": {HELPDESK: R, COMMITTEE: R, CENTRE_MANAGER: R},
    "PrefectureView": {HELPDESK: R, COMMITTEE: R, CENTRE_MANAGER: R},
    "ThematicFieldView": {HELPDESK: R, COMMITTEE: R},
    "TargetGroupView": {HELPDESK: R, COMMITTEE: R},
    "ClusterView": {HELPDESK: R, CENTRE_MANAGER: R},
    # The evaluator registry (E-1…E-3, E-7, E-14): a candidate fills in their own form I.2
    # (the file's sections, its rows, documents) and submits it; the committee reads every
    # file and deactivates (E-2) but deletes nothing; the Admin alone edits the E-7 table.
    "EvaluatorView": {HELPDESK: R, COMMITTEE: R | {"can_deactivate"}, EVALUATOR: R | {"can_edit"}},
    "MyApplicationView": {EVALUATOR: {"can_list", "can_submit"}},
    **{view: {HELPDESK: R, COMMITTEE: R, EVALUATOR: RW} for view in (
        "EvaluatorCentreRelationView", "EvaluatorDegreeView", "EvaluatorPostgraduateView", "EvaluatorTrainingView",
        "EvaluatorLanguageView", "EvaluatorCofundedExperienceView", "EvaluatorProfessionalExperienceView",
        "FieldPreferenceView", "GroupPreferenceView", "RegionPreferenceView")},
    "SupportingDocumentView": {HELPDESK: R, COMMITTEE: R, EVALUATOR: R | {"can_delete", "can_upload"}},
    "EvaluatorStatusChangeView": {HELPDESK: R, COMMITTEE: R, EVALUATOR: R},
    "ScoringTableView": {HELPDESK: R, COMMITTEE: R},
    "NominalTableView": {HELPDESK: {"can_list"}, COMMITTEE: {"can_list"}},
    "EvaluatorSearchView": {HELPDESK: {"can_list"}, COMMITTEE: {"can_list"}},
    # Evaluation (E-10…E-15): the committee runs cycles, levels and rescoring; a grader marks
    # only what is assigned to them; the evaluator reads only their own sheet.
    "EvaluationCycleView": {HELPDESK: R, COMMITTEE: RW | {"can_import_csv", "draw_sample", "close_cycle"}},
    "ParticipationView": {HELPDESK: R, COMMITTEE: R | {"can_add"}},
    "ReportView": {HELPDESK: R, COMMITTEE: R | {"can_add"}},
    "ReportMarkView": {HELPDESK: R, COMMITTEE: R},
    "AttitudeMarkingView": {GRADER: {"can_list", "can_show", "can_edit"}},
    "ReportMarkingView": {GRADER: {"can_list", "can_show", "can_edit", "can_export"}},
    "PointBandView": {HELPDESK: R, COMMITTEE: RW},
    "LevelThresholdView": {HELPDESK: R, COMMITTEE: RW},
    "LevelDecisionView": {HELPDESK: R, COMMITTEE: R | {"can_edit", "confirm_levels"}},
    "RescoringView": {HELPDESK: {"can_list"}, COMMITTEE: {"can_list", "can_rescore"}},
    "RankingTablesView": {HELPDESK: {"can_list", "can_export"}, COMMITTEE: {"can_list", "can_export"}},
    "IndividualSheetView": {HELPDESK: {"can_list", "can_show"}, COMMITTEE: {"can_list", "can_show"},
                            EVALUATOR: {"can_list", "can_show"}},
    "AuditEntryView": {HELPDESK: R},
    # Background jobs: those who start jobs follow (and retry) their own; the help desk reads all.
    "JobView": {HELPDESK: R, COMMITTEE: R | {"can_retry"}, CENTRE_MANAGER: R | {"can_retry"}},
    # Calls, expression of interest, A2, lottery (K-4…K-9): the Admin alone changes calls,
    # imports Annex A and runs the lottery; a manager applies for their own centre.
    "CallView": {HELPDESK: R, CENTRE_MANAGER: R},
    "AnnexAView": {HELPDESK: {"can_list", "can_export"}, CENTRE_MANAGER: {"can_list", "can_export"}},
    "ExpressionOfInterestView": {HELPDESK: {"can_list"}, CENTRE_MANAGER: {"can_list", "can_save", "can_submit"}},
    "A2DocumentView": {HELPDESK: R, CENTRE_MANAGER: R},
    # REST (read only; row scope as in the views)
    "CentreApi": {HELPDESK: API, CENTRE_MANAGER: API},
    "EvaluatorApi": {HELPDESK: API, COMMITTEE: API, EVALUATOR: API},
    # Centres area (K-1, K-2, K-3): certification is the Admin's (no room writes for the
    # manager); staff while the window is open; minutes uploaded by the manager only.
    "RoomView": {HELPDESK: R, CENTRE_MANAGER: R},
    "WorkstationView": {HELPDESK: R, CENTRE_MANAGER: R},  # the manual: view only
    "CoordinatorView": {HELPDESK: R, CENTRE_MANAGER: RW},
    "TechnicalManagerView": {HELPDESK: R, CENTRE_MANAGER: RW},
    "MinutesView": {HELPDESK: R, CENTRE_MANAGER: R | {"can_upload"}},
    "StaffSubmissionView": {HELPDESK: R, CENTRE_MANAGER: R},  # "reopen": Admin only
    "StaffFinalSubmissionView": {CENTRE_MANAGER: {"can_list", "can_confirm", "can_submit"}},
    "TrainingPeriodView": {HELPDESK: R, CENTRE_MANAGER: R},
    # Committee (E-4…E-6, E-8, E-9): nothing of the registry is deleted by the committee;
    # an evaluator files and reads only their own modification requests and relations.
    "CommitteeSessionView": {HELPDESK: R, COMMITTEE: R | {"can_add", "can_edit", "can_agenda"}},
    "ApplicationProcessingView": {COMMITTEE: {"can_list", "can_show", "can_process"}},
    "ModificationRequestView": {HELPDESK: R, COMMITTEE: R | {"can_decide"}, EVALUATOR: R | {"can_file"}},
    "SelectionRequestView": {HELPDESK: R, COMMITTEE: R | {"can_add", "can_run"}},
    "BodyView": {HELPDESK: R, COMMITTEE: R | {"can_add", "can_edit"}},
    "OperationalProgrammeView": {HELPDESK: R, COMMITTEE: R | {"can_add", "can_edit"}},
    "EvaluatorRelationView": {HELPDESK: R, COMMITTEE: R | {"can_add", "can_edit"}, EVALUATOR: R},
}
# FAB's security views: Admin only, but every user has their profile and password
# form, and the help desk reads the user list.
U = "BackofficeUserDBModelView"
SELF_SERVICE = {("can_userinfo", U), ("resetmypassword", U), ("userinfoedit", U),
                ("can_this_form_get", "ChangeOwnPasswordView"),
                ("can_this_form_post", "ChangeOwnPasswordView"), ("can_this_form_get", "UserInfoEditView"),
                ("can_this_form_post", "UserInfoEditView")}
HELPDESK_EXTRA = {("can_list", U), ("can_show", U)}
WRITE_LIKE = {"can_add", "can_edit", "can_delete"}


def backoffice_views(app, apis: bool = True):
    from views.api import ScopedModelRestApi
    from views.base import BackofficeModelView, BackofficeView

    kinds = (BackofficeModelView, BackofficeView) + ((ScopedModelRestApi,) if apis else ())
    return {v.class_permission_name: v for v in app.appbuilder.baseviews if isinstance(v, kinds)}


def granted(app) -> dict[str, set[tuple[str, str]]]:
    with app.app_context():
        sm = app.appbuilder.sm
        return {r: {(p.permission.name, p.view_menu.name) for p in sm.find_role(r).permissions} for r in ROLES}


def expected_pairs(role: str) -> set[tuple[str, str]]:
    pairs = set(SELF_SERVICE)
    if role == HELPDESK:
        pairs |= HELPDESK_EXTRA
    for view, roles in VIEW_MATRIX.items():
        pairs |= {(perm, view) for perm in roles.get(role, set())}
    return pairs


def test_every_view_is_in_the_matrix(shared_app):
    assert set(backoffice_views(shared_app)) == set(VIEW_MATRIX), "add new views to VIEW_MATRIX"


@pytest.mark.parametrize("role", [r for r in ROLES if r != ADMIN])
def test_role_holds_exactly_the_matrix(shared_app, role):
    actual = {pair for pair in granted(shared_app)[role] if pair[0] != "menu_access"}
    assert actual == expected_pairs(role)


def test_admin_holds_every_permission(shared_app):
    with shared_app.app_context():
        sm = shared_app.appbuilder.sm
        everything = {(p.permission.name, p.view_menu.name) for p in sm.session.query(sm.permissionview_model)}
    assert granted(shared_app)[ADMIN] == everything


def test_helpdesk_can_change_nothing(shared_app):
    """K-11: no write permission and no action anywhere."""
    views = backoffice_views(shared_app)
    for perm, view in granted(shared_app)[HELPDESK]:
        assert perm not in WRITE_LIKE, (perm, view)
        if view in views:
            assert perm in R | API or perm == "menu_access", (perm, view)


def test_menu_access_follows_the_views(shared_app):
    grants = granted(shared_app)
    menu_views = shared_app.appbuilder.menu_views
    for role in ROLES:
        if role == ADMIN:
            continue
        for menu, view in menu_views.items():
            has_menu = ("menu_access", menu) in grants[role]
            assert has_menu == (("can_list", view) in grants[role]), (role, menu)


@pytest.fixture(scope="module")
def role_clients(shared_app):
    from tests.conftest import Client

    usernames = {ADMIN: "admin", HELPDESK: "helpdesk", CENTRE_MANAGER: "manager1", COMMITTEE: "committee",
                 EVALUATOR: "evaluator1", GRADER: "grader"}
    return {role: Client(shared_app.test_client()).login(name) for role, name in usernames.items()}


def test_http_answers_follow_the_matrix(shared_app, role_clients):
    views = backoffice_views(shared_app, apis=False)
    failures = []
    for name, view in views.items():
        base = view.route_base
        for role, client in role_clients.items():
            perms = RW | {"can_export"} if role == ADMIN else VIEW_MATRIX[name].get(role, set())
            for perm, url in (("can_list", f"{base}/list/"), ("can_add", f"{base}/add"),
                              ("can_export", f"{base}/export/")):
                if perm not in view.base_permissions:
                    continue
                status = client.get(url).status_code
                want = 200 if perm in perms else 403
                if status != want:
                    failures.append((role, url, status, want))
    assert failures == []


@pytest.mark.parametrize("url", ["/users/list/", "/roles/list/", "/permissions/list/", "/viewmenus/list/",
                                 "/permissionviews/list/", "/groups/list/"])
def test_security_views_are_admin_only(role_clients, url):
    for role, client in role_clients.items():
        status = client.get(url).status_code
        if role == ADMIN or (role == HELPDESK and url == "/users/list/"):
            assert status == 200, (role, url)
        else:
            assert status == 403, (role, url)


def test_anonymous_is_sent_to_login(shared_app):
    client = shared_app.test_client()
    for view in backoffice_views(shared_app, apis=False).values():
        response = client.get(f"{view.route_base}/list/")
        assert response.status_code == 302 and "/login/" in response.headers["Location"]


# --- every view × every role × every permission the view declares, over HTTP -------------
REFUSED_STATUS = {401, 403, 404}
# The Admin holds every permission (FAB), but these are a user's own acts: a centre
# manager's for their own centre, a candidate's for their own file. The Admin has neither,
# so the view answers 403 by the row (views/centres.py, views/calls.py, views/evaluators.py),
# not by the permission table.
OWN_ROW_ONLY = {("MinutesView", "can_upload"), ("StaffFinalSubmissionView", "can_confirm"),
                ("StaffFinalSubmissionView", "can_submit"), ("ExpressionOfInterestView", "can_save"),
                ("ExpressionOfInterestView", "can_submit"), ("SupportingDocumentView", "can_upload")}


def permission_cases(app):
    """(view name, permission, method, route rule, action name) for every permission of
    every FAB view: its protected routes (a method's permission as FAB names it) and its
    actions (POST /action/<name>/<pk>). A permission with no case is returned in `missing`."""
    from flask_appbuilder.const import PERMISSION_PREFIX

    from tests import attack_support as s

    views = {v.__class__.__name__: v for v in app.appbuilder.baseviews if v.base_permissions}
    cases, covered = [], set()
    for rule in s.routes(app):
        view_name, _, method_name = rule.endpoint.partition(".")
        view = views.get(view_name)
        if view is None:
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if method_name == "action" and getattr(view, "actions", None):
            for name in sorted(view.actions):
                permission = view.get_action_permission_name(name)
                cases.append((view_name, permission, "POST", rule, name))
                covered.add((view_name, permission))
            if not hasattr(getattr(view, method_name), "_permission_name"):
                continue  # else the route has a permission of its own (FAB's role view)
            action = sorted(view.actions)[0]
        else:
            action = None
        if not hasattr(getattr(view, method_name, None), "_permission_name"):
            continue
        permission = PERMISSION_PREFIX + view.get_method_permission(method_name)
        for method in methods:
            cases.append((view_name, permission, method, rule, action))
        covered.add((view_name, permission))
    missing = sorted((name, perm) for name, view in views.items() for perm in view.base_permissions
                     if (name, perm) not in covered)
    return views, cases, missing


def test_every_permission_has_a_matrix_case(shared_app):
    """A view permission that no HTTP case exercises fails here (like test_every_route_is_covered)."""
    _views, cases, missing = permission_cases(shared_app)
    assert missing == [] and len(cases) > 200


def _case_url(app, session, user, rule, action, *, last: bool):
    """The route with a row the user may see (the last one for a delete: the first rows are
    often the user's own account or centre), or None when the user sees no such row."""
    from tests import attack_support as s

    values = {}
    for argument in rule.arguments:
        if argument == "name":
            values[argument] = action
            continue
        model = s.argument_model(app, rule, argument)
        if model is None:
            values[argument] = s.ARGUMENT_VALUES.get(argument, "x")
            continue
        pks = sorted(s.visible_pks(session, model, user))
        values[argument] = (pks[-1] if last else pks[0]) if pks else 0
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("role", ROLES)
def test_every_permission_over_http_follows_the_grants(app_factory, role):
    """For every FAB view × this role × every permission the view declares (list, show,
    add, edit, delete, export, downloads, each action, the API's methods, custom routes):
    granted in the role's permission table → the real request is not refused for want of
    the permission; not granted → refused (403/404/401 or the login page) and nothing in
    the database changed. One app (one database) per role; refused requests first, then
    granted reads, granted writes, granted deletes last."""
    from tests import attack_support as s
    from tests.conftest import Client

    app = app_factory()
    grants = granted(app)[role]
    views, cases, _missing = permission_cases(app)
    client = Client(app.test_client()).login(s.USERNAMES[role])
    client.token = client.csrf()
    api, headers = app.test_client(), s.api_headers(app, role)

    def order(case):
        view_name, permission, method, _rule, _action = case
        allowed = (permission, views[view_name].class_permission_name) in grants
        return (allowed, method != "GET", permission == "can_delete" or method == "DELETE")

    def send(method, url, action):
        if url.startswith("/api/"):
            return api.open(url, method=method, headers=headers, json={} if method in ("POST", "PUT") else None)
        if method == "GET":
            return client.get(url)
        data = {"action": action, "rowid": url.rsplit("/", 1)[-1]} if action else {}
        return client.post_form(url, data)

    with app.app_context():
        session = app.appbuilder.session
        user = s.load_user(session, role)
        before = s.fingerprint(session)
        failures, counts, refused_done = [], {True: 0, False: 0}, False
        for case in sorted(cases, key=order):
            view_name, permission, method, rule, action = case
            allowed = (permission, views[view_name].class_permission_name) in grants
            if allowed and not refused_done:
                refused_done = True  # every refused request sent: none may have changed anything
                changed = s.changed_tables(before, s.fingerprint(session))
                assert changed == [], f"{role}: refused requests changed {changed}"
            url = _case_url(app, session, user, rule, action,
                            last=permission == "can_delete" or method == "DELETE")
            session.rollback()
            response = send(method, url, action)
            location = response.headers.get("Location", "")
            to_login = response.status_code == 302 and "/login" in location
            if allowed and role == ADMIN and (view_name, permission) in OWN_ROW_ONLY:
                ok = response.status_code in (403, 404)
            elif allowed:
                ok = response.status_code not in (401, 403) and not to_login and response.status_code < 500
            else:
                ok = response.status_code in REFUSED_STATUS or to_login
            counts[allowed] += 1
            if not ok:
                failures.append((view_name, permission, method, url, response.status_code, location[:60]))
        if not refused_done:
            assert s.changed_tables(before, s.fingerprint(session)) == []
        session.remove()
    assert failures == [], f"{role}: {len(failures)} of {len(cases)} cases\n" + "\n".join(map(str, failures))
    assert counts[True] > 0 and (role == ADMIN or counts[False] > 0), counts
