"""A seeded fuzzer over every list and form endpoint, for every role: hostile argument
names (FAB's list arguments in every spelling, filters, API `q`) and hostile values
(NUL bytes, 5,000 characters, numbers beyond 64 bits, Unicode digits, injections) sent
to the routes of `app.url_map`. No request may answer 500, and a refused POST changes
nothing in the database.

`FUZZ_CASES` sets the number of requests (default: a short run for CI); `make fuzz`
runs at least 10,000 and prints the number of cases and of 500s. `FUZZ_SEED` replays.
"""
import os
import random
import re

import pytest

from app.roles import ROLES
from tests import attack_support as s
from tests.conftest import Client

CASES = int(os.environ.get("FUZZ_CASES", "900"))
SEED = int(os.environ.get("FUZZ_SEED", "2026"))
VALUES = ["", " ", "\x00", "a\x00b", "A" * 5000, "Ω" * 300, "-1", "0", "1", "2", "99999999999999999999999",
          "9223372036854775808", "-9223372036854775809", "1e309", "NaN", "inf", "1.5", "²", "٣", "𝟗",
          "<script>alert(1)</script>", "' OR 1=1 --", "=cmd|' /C calc'!A0", "../../etc/passwd", "%00", "(",
          "!(", "()", "(keys:!(add_columns))", "null", "true", "[]", "{}", "2026-13-45", "9999-12-31 99:99",
          "0001-01-01", "asc", "desc", "id", "password", "evaluator.last_name", "KSE00002", "EMA000002",
          "\u202e", "\r\nSet-Cookie: x=1", "x" * 129]
API_Q = ["(page:-1)", "(page:99999999999999999999)", "(page_size:-1)", "(page_size:1000000)",
         "(filters:!((col:id,opr:eq,value:99999999999999999999)))", "(filters:!((col:nope,opr:eq,value:1)))",
         "(filters:!((col:id,opr:nope,value:1)))", "(order_column:password,order_direction:asc)",
         "(order_column:id,order_direction:sideways)", "(columns:!(password))", "(keys:!(nope))",
         "(keys:!(add_columns),add_columns:(managers:(page:-1,page_size:-1)))",
         "(keys:!(add_columns),add_columns:(nope:(page:0,page_size:1)))", "((", "!(", "(select_columns:!(x))"]
# Never fuzzed: they end the session or the request is not a list or a form.
SKIPPED = {"AuthDBView.logout", "BackofficeAuthDBView.logout", "BackofficeAuthDBView.login", "SecurityApi.login",
           "SecurityApi.refresh", "static", "appbuilder.static", "MenuApi.get_menu_data"}
NAMES = re.compile(r'name="([A-Za-z_][A-Za-z0-9_\-]*)"')


class Fuzzer:
    def __init__(self, app, role, session, rng):
        self.app, self.role, self.rng = app, role, rng
        self.user = s.load_user(session, role)
        self.session = session
        self.client = Client(app.test_client()).login(s.USERNAMES[role])
        self.client.token = self.client.csrf()
        self.api, self.headers = app.test_client(), s.api_headers(app, role)
        self.views = s.views_by_endpoint(app)
        self.rules = [r for r in s.routes(app) if r.endpoint not in SKIPPED
                      and not r.endpoint.startswith(("SecurityApi.", "AuthDBView."))]
        self.fields: dict[str, list[str]] = {}
        self.cases = self.errors = 0
        self.state = None  # the database's fingerprint after the last POST (GETs change nothing)
        self.failures: list[tuple] = []

    def value(self):
        return self.rng.choice(VALUES)

    def url_for(self, rule):
        values = {}
        for argument in rule.arguments:
            model = s.argument_model(self.app, rule, argument)
            if argument == "name":
                values[argument] = self.rng.choice(s.action_names(self.app, rule) + ["nope"])
            elif model is None:
                values[argument] = s.ARGUMENT_VALUES.get(argument, "x")
            else:
                pick = self.rng.random()
                pk = s.visible_pk(self.session, model, self.user) if pick < 0.7 else None
                values[argument] = pk if pk is not None else self.rng.choice([1, 0, 2**63, 10**20])
        return rule.build(values, append_unknown=False)[1]

    def list_args(self, rule) -> dict:
        view = self.views.get(rule.endpoint.split(".", 1)[0])
        name = view.__class__.__name__ if view is not None else "X"
        columns = list(getattr(view, "search_columns", None) or ["id"]) + ["password", "nope"]
        keys = [f"psize_{name}", f"page_{name}", f"_oc_{name}", f"_od_{name}", f"x_oc_{name}", f"psize_psize_{name}",
                f"_flt_{self.rng.randint(0, 9)}_{self.rng.choice(columns)}", f"x_flt_0_{self.rng.choice(columns)}",
                "page", "_l_", "next", "q", f"_oc__oc_{name}"]
        args = {}
        for _ in range(self.rng.randint(1, 4)):
            key = self.rng.choice(keys)
            if key == "q":
                args[key] = self.rng.choice(API_Q)
            elif key.startswith(("_oc", "x_oc")):
                args[key] = self.rng.choice(list(getattr(view, "order_columns", None) or []) + VALUES[-12:])
            else:
                args[key] = self.value()
        return args

    def form_fields(self, url) -> list[str]:
        if url not in self.fields:
            html = self.client.get(url).get_data(as_text=True) if not url.startswith("/api/") else ""
            self.fields[url] = sorted(set(NAMES.findall(html)) - {"csrf_token"}) or ["name", "code", "file"]
        return self.fields[url]

    def one(self):
        rule = self.rng.choice(self.rules)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        method = self.rng.choice(methods)
        url = self.url_for(rule)
        self.cases += 1
        if url.startswith("/api/"):
            response = self.api.open(url, method=method, headers=self.headers, query_string=self.list_args(rule))
            self.check(method, url, response)
            return
        if method == "GET":
            response = self.client.get(url, query_string=self.list_args(rule))
            self.check(method, url, response)
            return
        data = {field: self.value() for field in self.form_fields(url) if self.rng.random() < 0.8}
        if "action" in data or rule.endpoint.endswith("action_post"):
            data["action"] = self.rng.choice(s.action_names(self.app, rule) + ["nope"])
            data["rowid"] = [self.value() for _ in range(self.rng.randint(0, 3))]
        before = self.state or s.fingerprint(self.session)
        response = self.client.post_form(url, data)
        self.check(method, url, response, data)
        self.state = s.fingerprint(self.session)
        if 400 <= response.status_code < 500:
            changed = s.changed_tables(before, self.state)
            if changed:
                self.failures.append(("changed", method, url, response.status_code, changed))

    def check(self, method, url, response, data=None):
        if response.status_code >= 500:
            self.errors += 1
            self.failures.append((response.status_code, method, url, response.request.query_string[:200],
                                  {k: v[:40] for k, v in (data or {}).items() if isinstance(v, str)}))


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_lists_and_forms(app, db_session, role):
    rng = random.Random(f"{SEED}-{role}")
    fuzzer = Fuzzer(app, role, db_session, rng)
    for n in range(max(CASES // len(ROLES), 1)):
        fuzzer.one()
        if n % 25 == 24 and fuzzer.client.get("/").status_code != 200:  # still signed in (nothing ended the session)
            fuzzer.client = Client(app.test_client()).login(s.USERNAMES[role])
            fuzzer.client.token = fuzzer.client.csrf()
    print(f"\nfuzz {role}: {fuzzer.cases} cases, {fuzzer.errors} × 500 (seed {SEED})")
    for failure in fuzzer.failures[:20]:
        print("  ", failure)
    assert fuzzer.failures == []
