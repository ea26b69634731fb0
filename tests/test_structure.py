"""The layering (DEVELOPERS.md): views → services (app/<area>.py) → rules (app/rules) and
models; nothing looks up, and no import circle. Read from the source with `ast`, so an
import inside a function counts as much as one at the top of a file."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "models", "views", "reports")
FRAMEWORKS = ("flask", "flask_appbuilder", "flask_babel", "flask_login", "flask_wtf", "flask_sqlalchemy",
              "flask_migrate", "flask_limiter", "sqlalchemy", "wtforms", "werkzeug", "alembic")
# The composition root: it creates the app and registers every area's views.
COMPOSITION_ROOT = "app.factory"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module an import names (a package's __init__ for a package)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> set[str]:
    """Every name `module` imports, anywhere in the file: dotted modules, plus
    `package.name` for `from package import name` (a submodule or an attribute)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def project_imports(module: str) -> set[str]:
    return {target for name in imports_of(module) if (target := _resolve(name)) and target != module}


def _layer(module: str) -> str:
    if module.startswith("app.rules"):
        return "rules"
    return module.split(".")[0]


def test_the_scan_sees_the_project():
    """Guards the tests below against passing on an empty or misread tree."""
    assert {"app.rules.lottery", "app.centres", "models.centres", "views.centres", "reports.calls"} <= set(MODULES)
    assert "models.centres" in project_imports("views.centres")
    assert "app.rules.centres" in project_imports("app.centres")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) == "rules"))
def test_rules_are_plain_python(module):
    """app/rules: no web framework, no database, nothing of the project outside app/rules."""
    for name in imports_of(module):
        top = name.split(".")[0]
        assert top not in FRAMEWORKS, f"{module} imports {name}"
        assert top not in PACKAGES or name.startswith("app.rules"), f"{module} imports {name}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_layers_only_look_down(module):
    """models import no services, views or reports; services and reports import no views
    (app.factory, the composition root, is the one module that wires the views in)."""
    forbidden = {
        "models": ("app", "views", "reports"),
        "app": ("views",),
        "reports": ("views",),
        "rules": (),
        "views": (),
    }[_layer(module)]
    if module == COMPOSITION_ROOT:
        forbidden = ()
    for target in project_imports(module):
        if _layer(target) == "rules" and _layer(module) == "models":
            continue  # a model may use a plain rule (no Flask, no database)
        assert target.split(".")[0] not in forbidden, f"{module} imports {target}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("models")))
def test_models_build_no_urls(module):
    """A model does not know the views' endpoints (url_for belongs to the views)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "url_for" not in names


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    """A package's __init__ that imports its own submodules (models, app.rules) is not
    a circle of the layering: the edges from a package to its own modules are left out."""
    graph = {m: {t for t in project_imports(m) if not (t.startswith(m + ".") and MODULES[m].name == "__init__.py")}
             for m in MODULES}
    assert _cycles(graph) == []


def test_web_workers_never_import_the_demo_data(tmp_path):
    """The demo package (and Faker) is for `flask demo load` only: the app gunicorn
    serves (wsgi:app) does not import it."""
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "SECRET_KEY": "structure-test"}
    code = "import sys, wsgi; print(sorted(m for m in sys.modules if m == 'faker' or m.startswith(('app.demo', 'faker.'))))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
    # The check is live: the CLI's demo command does import it.
    loaded = subprocess.run([sys.executable, "-c", "import sys, app.demo; print('faker' in sys.modules)"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "True"


TRANSACTION_CALLS = {"commit", "rollback", "flush", "begin", "begin_nested"}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) == "views"))
def test_views_leave_transactions_and_queries_to_the_services(module):
    """One transaction owner per request: the service (or FAB's own CRUD commit). A view
    neither commits nor rolls back, and builds no SQL (no sqlalchemy import; views.base
    alone maps FAB's list query onto the row scope)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    calls = {node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not calls & TRANSACTION_CALLS, f"{module} calls {sorted(calls & TRANSACTION_CALLS)}"
    if module != "views.base":
        assert not {n for n in imports_of(module) if n.split(".")[0] == "sqlalchemy"}, module
