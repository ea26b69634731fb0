"""`make bench`: every benchmark of issue #13, each figure beside a baseline measured in
the same run, on SQLite and PostgreSQL; updates in bench/RESULTS.md only the sections it ran (each
between its markers, with date, sizes and the load average around it), so sections can be
measured separately at full size and the rest of the file stays.
Nothing here asserts a time. Loads are bounded and go to 127.0.0.1 only.

    python bench/run.py                   # full size (100,000 centres and evaluators), both databases
    python bench/run.py --quick           # small sizes (a smoke run; does not rewrite RESULTS.md)
    python bench/run.py --db sqlite --only lists,export

Sections: lists (evaluator list sorted by ΒΚ; surname "starts with" + sort) against a plain
FAB ModelView on the same rows and indexes; pages (a deep page of the ΒΚ list against page 1,
ours and FAB's, and the count statements); CSV export (rows/s and peak memory, 100k and
1M rows) against the database's own CSV writer (sqlite3 -csv / psql \\copy); the whole
`flask lottery run` (time, peak RSS) against an independent minimal implementation on the
same inputs (bench/lottery_baseline.py); PDF generation (one and 1,000 A2 forms) against
a one-line PDF; a mixed load through gunicorn (50 users, 2 minutes) against /health under
the same load; the concurrency proof (tests/test_scale_concurrency.py, 50 centres).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOG_LEVEL", "ERROR")
PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo-Pass-2026!")
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-" + uuid.uuid4().hex
ROWS: list[tuple[str, str, str, str, str]] = []  # (database, measured, figure, baseline, target/verdict)
# (section, database) -> its rows, when it ran, its sizes and the load averages around it
SECTIONS: dict[tuple[str, str], dict] = {}
CURRENT: dict = {}


def row(db, what, figure, baseline, verdict=""):
    ROWS.append((db, what, figure, baseline, verdict))
    if CURRENT:
        CURRENT["rows"].append((what, figure, baseline, verdict))
    print(f"[{db}] {what}: {figure} | baseline {baseline} {verdict}", flush=True)


def loadavg() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def section(name: str, db: str, sizes: str, run, *args) -> None:
    """Run one benchmark section and keep its rows, with when it ran and the load average
    before and after (the machine may be shared: figures are read beside those)."""
    CURRENT.clear()
    CURRENT.update(rows=[], started=dt.datetime.now(dt.UTC), load_before=loadavg(), sizes=sizes)
    try:
        run(*args)
    finally:
        CURRENT["load_after"] = loadavg()
        CURRENT["finished"] = dt.datetime.now(dt.UTC)
        SECTIONS[(name, db)] = dict(CURRENT)
        CURRENT.clear()


# --- building a database ----------------------------------------------------------------
def new_database(kind: str, tmp: Path, tag: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'{tag}.db'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"kse_bench_{tag}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def overrides(url: str, tmp: Path) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET,
            "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(tmp / "up"), "MAIL_OUTBOX_DIR": str(tmp / "out"),
            "JOBS_QUEUE_URL": "immediate"}


def build(url: str, tmp: Path, centres: int, evaluators: int):
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.interface import SQLAInterface
    from flask_migrate import upgrade

    from app import audit
    from app.cli import load_reference_data
    from app.demo import load_demo
    from app.factory import create_app
    from app.roles import sync_roles
    from models.evaluators import Evaluator

    class PlainEvaluatorView(ModelView):
        """The baseline: FAB's own ModelView on the same rows (and indexes)."""

        datamodel = SQLAInterface(Evaluator)
        list_columns = ["registry_no", "last_name", "first_name", "region", "status", "level", "entry_score",
                        "ranking_score"]
        search_columns = ["registry_no", "last_name", "first_name"]
        order_columns = ["registry_no", "last_name", "first_name", "entry_score", "ranking_score"]

    app = create_app(overrides(url, tmp))
    with app.app_context():
        app.appbuilder.add_view_no_menu(PlainEvaluatorView)
        upgrade()
        token = audit.system_actor.set("bench")
        load_reference_data(app.appbuilder.session)
        app.appbuilder.session.commit()
        sync_roles(app.appbuilder)  # the Admin also holds the plain view's permissions
        started = time.perf_counter()
        load_demo(app.appbuilder, centres=centres, evaluators=evaluators, seed=1)
        took = time.perf_counter() - started
        audit.system_actor.reset(token)
        app.appbuilder.session.remove()
        if url.startswith("postgresql"):
            # A database in service has been vacuumed and analysed (autovacuum does it within a
            # minute of a bulk load): statistics for the planner and the visibility map that
            # index-only scans need. Measured right after the load, neither exists yet.
            engine = app.extensions["sqlalchemy"].engine
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    return app, took


def client_for(app, username="admin"):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"login {username}"
    return client


# --- lists ------------------------------------------------------------------------------
def p95(samples):
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def time_pages(app, client, urls, n):
    """(p95 seconds, SQL statements per request) of each URL, best of two rounds; the URLs
    are requested in turn, so a figure and its baseline see the same machine load."""
    from sqlalchemy import event

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    counted = []

    def count(*_args):
        counted.append(1)

    event.listen(engine, "before_cursor_execute", count)
    best = [None] * len(urls)
    try:
        for url in urls:
            client.get(url)  # warm
        for _round in range(2):
            samples = [[] for _ in urls]
            statements = [0] * len(urls)
            for _ in range(n):
                for i, url in enumerate(urls):
                    counted.clear()
                    started = time.perf_counter()
                    response = client.get(url)
                    samples[i].append(time.perf_counter() - started)
                    statements[i] = len(counted)
                    assert response.status_code == 200, (url, response.status_code)
            for i in range(len(urls)):
                best[i] = min(best[i] or (9e9, 0), (p95(samples[i]), statements[i]))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return best


def bench_lists(db, app, n):
    client = client_for(app)
    cases = [
        ("evaluator list sorted by ΒΚ",
         "/evaluatorview/list/?_oc_EvaluatorView=ranking_score&_od_EvaluatorView=desc",
         "/plainevaluatorview/list/?_oc_PlainEvaluatorView=ranking_score&_od_PlainEvaluatorView=desc",
         lambda ours, plain: ours[0] <= 1.2 * plain[0] and ours[1] <= 10, "≤1.2× plain FAB, ≤10 statements"),
        ("surname 'starts with' «Παπα» + sort",
         "/evaluatorview/list/?_flt_0_last_name=Παπα&_oc_EvaluatorView=last_name&_od_EvaluatorView=asc",
         "/plainevaluatorview/list/?_flt_0_last_name=Παπα&_oc_PlainEvaluatorView=last_name&_od_PlainEvaluatorView=asc",
         lambda ours, plain: ours[0] < plain[0], "faster than plain FAB"),
    ]
    for name, ours_url, plain_url, met, target in cases:
        ours, plain = time_pages(app, client, [ours_url, plain_url], n)
        row(db, name, f"p95 {ours[0] * 1000:.0f} ms, {ours[1]} statements",
            f"plain FAB p95 {plain[0] * 1000:.0f} ms, {plain[1]} statements",
            f"target {target}: {'met' if met(ours, plain) else 'NOT met'}")


# --- deep pages -------------------------------------------------------------------------
def bench_pages(db, app, n, evaluators):
    """A deep page of the ΒΚ-sorted list (three quarters down) beside page 1 in the same run,
    ours (OFFSET over the keys, app.listing) and FAB's own (OFFSET over whole rows); then the
    count statements by themselves (key-only count, FAB's, a capped count)."""
    client = client_for(app)
    for size in (25, 100):
        deep = max(1, evaluators * 3 // 4 // size - 1)
        urls = [f"/{view.lower()}/list/?_oc_{view}=ranking_score&_od_{view}=desc&psize_{view}={size}{extra}"
                for view in ("EvaluatorView", "PlainEvaluatorView") for extra in ("", f"&page_{view}={deep}")]
        first, deep_page, plain_first, plain_deep = time_pages(app, client, urls, n)
        ratio = deep_page[0] / first[0]
        row(db, f"ΒΚ list, page {deep + 1:,} ({size} rows a page, offset {deep * size:,})",
            f"p95 {deep_page[0] * 1000:.0f} ms, {deep_page[1]} statements",
            f"page 1: p95 {first[0] * 1000:.0f} ms; plain FAB: page 1 {plain_first[0] * 1000:.0f} ms, page "
            f"{deep + 1:,} {plain_deep[0] * 1000:.0f} ms ({plain_deep[0] / plain_first[0]:.1f}×)",
            f"deep page {ratio:.2f}× page 1 ({'OFFSET not the bottleneck' if ratio <= 1.2 else 'OFFSET still costs'})")
    from sqlalchemy import text

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    every = ", ".join(f"evaluator.{c}" for c in ("id", "registry_no", "protocol_no", "first_name", "last_name", "father_name",
                                                   "afm", "status", "level", "entry_score", "ranking_score", "region_id"))
    counts = {"key-only count (ours)": "SELECT count(*) FROM (SELECT evaluator.id FROM evaluator) AS k",
              "FAB's count (every column)": f"SELECT count(*) FROM (SELECT {every} FROM evaluator WHERE 1 = 1) AS k",
              "count capped at 10,001": "SELECT count(*) FROM (SELECT evaluator.id FROM evaluator LIMIT 10001) AS k"}
    took = {}
    with engine.connect() as conn:
        for name, sql in counts.items():
            samples = []
            for _ in range(max(n // 2, 3)):
                started = time.perf_counter()
                conn.execute(text(sql)).scalar()
                samples.append(time.perf_counter() - started)
            took[name] = statistics.median(samples)
    ours, fab, capped = (took[name] * 1000 for name in counts)
    row(db, f"count of the unfiltered list ({evaluators:,} rows), median of the statement", f"key-only {ours:.1f} ms",
        f"FAB's (every column) {fab:.1f} ms; capped at 10,001: {capped:.1f} ms", "")


# --- export -----------------------------------------------------------------------------
# The first baseline: 8 raw columns (kept for continuity; the file has more).
EXPORT_SQL = ("SELECT e.registry_no, e.last_name, e.first_name, r.name_el, e.status, e.level, e.entry_score, "
              "e.ranking_score FROM evaluator e LEFT JOIN region r ON r.id = e.region_id ORDER BY e.registry_no")


def export_columns_sql() -> str:
    """The same columns as the exported file (EvaluatorView.export_columns), raw, in the
    file's order: what the CLI baseline writes."""
    from views.evaluators import EvaluatorView

    names = [f"r.{c.split('.', 1)[1]}" if c.startswith("region.") else f"e.{c}" for c in EvaluatorView.export_columns]
    return (f"SELECT {', '.join(names)} FROM evaluator e LEFT JOIN region r ON r.id = e.region_id "
            "ORDER BY e.registry_no")


def export_once(app):
    """(rows, seconds, peak Python memory): timed in one pass and traced in another, since
    tracemalloc slows every allocation (it would count against us, not against the CLI)."""
    client = client_for(app, "helpdesk")

    def run():
        response = client.get("/evaluatorview/export/")
        lines = 0
        for chunk in response.response:
            lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        return lines

    started = time.perf_counter()
    lines = run()
    took = time.perf_counter() - started
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines - 1, took, peak


def cli_export(url, sql):
    started = time.perf_counter()
    if url.startswith("sqlite"):
        out = subprocess.run(["sqlite3", "-csv", url[len("sqlite:///"):], sql], capture_output=True, check=True)
    else:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        out = subprocess.run(["psql", plain, "-c", f"\\copy ({sql}) to stdout with csv"], capture_output=True,
                             check=True)
    return out.stdout.count(b"\n"), time.perf_counter() - started


def bench_export(db, app, url, big_app=None):
    rows, took, peak = export_once(app)
    same_sql = export_columns_sql()
    cli_rows, cli_took = cli_export(url, same_sql)
    _, eight_took = cli_export(url, EXPORT_SQL)
    ours, theirs = rows / took, cli_rows / cli_took
    cli_name = "sqlite3 -csv" if url.startswith("sqlite") else "psql \\copy … csv"
    columns = same_sql.split(" FROM ", 1)[0].count(",") + 1
    row(db, f"CSV export, {rows:,} rows × {columns} columns",
        f"{ours:,.0f} rows/s, peak Python memory {peak / 2**20:.1f} MiB",
        f"{cli_name}, the same {columns} columns raw: {theirs:,.0f} rows/s (8 of them: {rows / eight_took:,.0f} rows/s, "
        f"{100 * ours * eight_took / rows:.0f} %)",
        f"target ≥25 % of the CLI: {100 * ours / theirs:.0f} % ({'met' if ours >= 0.25 * theirs else 'NOT met'})")
    if big_app is not None:
        big_rows, big_took, big_peak = export_once(big_app)
        row(db, f"CSV export, {big_rows:,} rows (memory flat?)",
            f"{big_rows / big_took:,.0f} rows/s, peak Python memory {big_peak / 2**20:.1f} MiB",
            f"{rows:,} rows: {peak / 2**20:.1f} MiB", f"growth ×{big_peak / peak:.2f} for ×{big_rows / rows:.0f} rows")


def export_section(kind, db, app, url, tmp, big_export):
    big_url = big_app = None
    if big_export:
        big_url = new_database(kind, tmp, "big")
        big_app, _ = build(big_url, tmp, 2, big_export)
    try:
        bench_export(db, app, url, big_app)
    finally:
        if big_url:
            drop_database(big_url)


# --- lottery ----------------------------------------------------------------------------
def timed_process(argv, env):
    """(seconds, peak RSS MiB, stdout) of a whole process, measured by GNU time."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True, env=env, cwd=ROOT, check=True)
    took = time.perf_counter() - started
    peak_kib = int(done.stderr.decode().strip().splitlines()[-1])
    return took, peak_kib / 1024, done.stdout.decode()


def bench_lottery(db, app, url, tmp):
    from sqlalchemy import func, select

    from app import calls as service
    from models.calls import Application, Call

    with app.app_context():
        session = app.appbuilder.session
        call = session.scalar(select(Call).where(Call.code == "B2-DEMO-CLOSED"))
        secret = service.reveal_secret(call)
        finals = session.scalar(select(func.count(Application.id)).where(Application.call_id == call.id))
        session.remove()
    # The CLI queues the result mails as a job (no worker here): the run is the lottery itself.
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET, INSTANCE_PATH=str(tmp / "instance"),
               JOBS_QUEUE_URL=f"sqlite:///{tmp / 'jobs-queue.sqlite3'}")
    base_took, base_rss, base_out = timed_process([sys.executable, "bench/lottery_baseline.py", url, "B2-DEMO-CLOSED",
                                                   secret], env)
    took, rss, out = timed_process([str(Path(sys.executable).parent / "flask"), "lottery", "run", "B2-DEMO-CLOSED"],
                                   env)
    sha = re.search(r"sha256 ([0-9a-f]{64})", out).group(1)
    exported = subprocess.run([str(Path(sys.executable).parent / "flask"), "lottery", "export", "B2-DEMO-CLOSED"],
                              capture_output=True, env=env, cwd=ROOT, check=True).stdout
    bundle = tmp / "bundle.json"
    bundle.write_bytes(exported)
    verified = subprocess.run([sys.executable, "app/rules/verify_lottery.py", str(bundle), sha], cwd=ROOT,
                              capture_output=True).returncode == 0
    row(db, f"lottery, {finals:,} applications (whole `flask lottery run`)", f"{took:.1f} s, peak RSS {rss:.0f} MiB",
        f"independent minimal implementation: {base_took:.1f} s, {base_rss:.0f} MiB ({base_out.strip()})",
        f"target ≤10 s, ≤512 MB: {'met' if took <= 10 and rss <= 512 else 'NOT met'}; bundle "
        f"{len(exported) / 2**20:.0f} MiB, verifier {'OK' if verified else 'FAILED'}")


# --- PDFs ---------------------------------------------------------------------------------
def bench_pdf(db, app, many):
    from sqlalchemy import select
    from xhtml2pdf import pisa

    from app.clock import utc_to_local
    from models.calls import Application, Call
    from reports.calls import a2_pdf

    with app.app_context():
        session = app.appbuilder.session
        call = session.scalar(select(Call).where(Call.code == "B2-DEMO-CLOSED"))
        apps = session.scalars(select(Application).where(Application.call_id == call.id).limit(many)).all()

        def one(a):
            return a2_pdf(a, call, a.centre, submitted_local=utc_to_local(a.submitted_at))

        def tiny():
            import io

            out = io.BytesIO()
            pisa.CreatePDF("<p>A2</p>", dest=out)
            return out.getvalue()

        started = time.perf_counter()
        one(apps[0])
        single = time.perf_counter() - started
        started = time.perf_counter()
        tiny()
        tiny_took = time.perf_counter() - started
        started = time.perf_counter()
        for a in apps:
            one(a)
        bulk = time.perf_counter() - started
        session.remove()
    row(db, "PDF: one A2 form", f"{single * 1000:.0f} ms", f"one-line xhtml2pdf page {tiny_took * 1000:.0f} ms")
    row(db, f"PDF: {len(apps):,} A2 forms", f"{bulk:.1f} s ({len(apps) / bulk:.1f} forms/s)",
        f"{len(apps):,} × one-line page ≈ {tiny_took * len(apps):.1f} s")


# --- mixed load through gunicorn -------------------------------------------------------------
def bench_load(db, app, url, tmp, users, seconds):
    from tests.scale_http import Browser, gunicorn, managers_with_drafts

    call_id, managers = managers_with_drafts(app, users, PASSWORD, prefix="load")
    config = overrides(url, tmp)
    config["WTF_CSRF_ENABLED"] = True
    results: dict[str, list] = {"mix": [], "health": []}
    with gunicorn(config, workers=4, threads=4) as base:
        def user(index, kind, stop_at):
            rng = random.Random(index)
            browser = Browser(base)
            timings = results[kind]
            if kind == "health":
                while time.perf_counter() < stop_at:
                    started = time.perf_counter()
                    status, _ = browser.request("/health")
                    timings.append((time.perf_counter() - started, status))
                return
            username = managers[index][0] if index % 2 else "helpdesk"
            browser.login(username, PASSWORD)
            submitted = False
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                if index % 2:  # a centre manager: save the ranking, then the final submission once
                    status, page = browser.request(f"/expression-of-interest/{call_id}/")
                    if not submitted and 'name="version"' in page:
                        version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
                        status, _ = browser.request(f"/expression-of-interest/{call_id}/submit", {
                            "csrf_token": browser.token(page), "version": version, "confirm": "yes",
                            "centre": managers[index][1]})
                        submitted = True
                else:  # the help desk: lists, a filter, a small export
                    choice = rng.random()
                    if choice < 0.5:
                        status, _ = browser.request("/evaluatorview/list/?_oc_EvaluatorView=ranking_score"
                                                    "&_od_EvaluatorView=desc")
                    elif choice < 0.8:
                        status, _ = browser.request("/evaluatorview/list/?_flt_0_last_name=Παπα")
                    elif choice < 0.9:
                        status, _ = browser.request("/centreview/list/")
                    else:
                        status, _ = browser.request("/evaluatorview/export/?_flt_0_last_name=Παπαδ")
                timings.append((time.perf_counter() - started, status))

        for kind in ("health", "mix"):
            stop_at = time.perf_counter() + seconds
            threads = [threading.Thread(target=user, args=(i, kind, stop_at)) for i in range(users)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(seconds + 120)
    for kind in ("mix", "health"):
        samples = results[kind]
        errors = sum(1 for _, status in samples if status >= 500)
        results[kind] = (len(samples) / seconds, p95([t for t, _ in samples]) * 1000, errors, len(samples))
    mix, health = results["mix"], results["health"]
    row(db, f"mixed load through gunicorn (4 workers), {users} users, {seconds} s",
        f"{mix[0]:.1f} req/s, p95 {mix[1]:.0f} ms, {mix[2]} errors of {mix[3]:,}",
        f"/health under the same load: {health[0]:.1f} req/s, p95 {health[1]:.0f} ms, {health[2]} errors")


# --- concurrency proof ----------------------------------------------------------------------
def bench_concurrency(centres):
    pg = os.environ.get("TEST_DATABASE_URL") or PG_ADMIN.rsplit("/", 1)[0] + "/kse_bench_proof"
    env = dict(os.environ, TEST_DATABASE_URL=pg, SCALE_CENTRES=str(centres))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_scale_concurrency.py"], cwd=ROOT, env=env, capture_output=True)
    took = time.perf_counter() - started
    tail = done.stdout.decode().strip().splitlines()[-1] if done.stdout else ""
    row("PostgreSQL", f"concurrency proof through gunicorn: {centres} centres × 2 submissions at once, lottery vs "
        "late submission, two lotteries at once", f"{'passed' if done.returncode == 0 else 'FAILED'} ({tail})",
        f"{took:.0f} s", "")


# --- RESULTS.md -------------------------------------------------------------------------------
def machine() -> str:
    import sqlite3

    meminfo = Path("/proc/meminfo")
    mem = f", {int(meminfo.read_text().split()[1]) / 2**20:.0f} GiB RAM" if meminfo.exists() else ""
    pg = subprocess.run(["psql", "--version"], capture_output=True).stdout.decode().strip() if shutil.which("psql") else "-"
    load = os.getloadavg()
    return (f"{platform.node()}: {platform.processor() or platform.machine()}, {os.cpu_count()} cores{mem}; "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}; SQLite "
            f"{sqlite3.sqlite_version}; {pg}; load average at the end {load[0]:.1f}")


BEGIN, END = "<!-- bench:{} begin -->", "<!-- bench:{} end -->"


def section_block(key: tuple[str, str], data: dict) -> str:
    name, db = key
    took = (data["finished"] - data["started"]).total_seconds()
    lines = [BEGIN.format(f"{name}:{db}"),
             f"### {name} — {db}", "",
             f"Measured {data['started']:%Y-%m-%d %H:%M} UTC ({took / 60:.0f} min) by `bench/run.py --db "
             f"{'sqlite' if db == 'SQLite' else 'postgresql'} --only {name}`; {data['sizes']}. "
             f"Load average (1 / 5 / 15 min) before: {data['load_before']}, after: {data['load_after']} "
             f"on {os.cpu_count()} cores.", "",
             "| measured | figure | same-run baseline | target |", "|---|---|---|---|"]
    lines += [f"| {what} | {figure} | {baseline} | {verdict} |" for what, figure, baseline, verdict in data["rows"]]
    lines.append(END.format(f"{name}:{db}"))
    return "\n".join(lines)


def write_results(path: Path) -> None:
    """Replace only the sections this run measured (each between its markers), keep every
    other section and the hand-written text; a section not yet in the file goes before
    the "## Notes, profiles" notes (or at the end)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    text = re.sub(r"^Machine \(last run\):.*$", f"Machine (last run): {machine()}.", text, flags=re.M)
    if "Machine (last run):" not in text:
        text = text.replace("# Benchmark results\n", f"# Benchmark results\n\nMachine (last run): {machine()}.\n", 1)
    for key, data in SECTIONS.items():
        block = section_block(key, data)
        begin, end = BEGIN.format(f"{key[0]}:{key[1]}"), END.format(f"{key[0]}:{key[1]}")
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            text = head + block + rest.split(end, 1)[1]
        elif "\n## Notes, profiles" in text:
            head, rest = text.split("\n## Notes, profiles", 1)
            text = head.rstrip("\n") + "\n\n" + block + "\n\n## Notes, profiles" + rest
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes; RESULTS.md is left alone")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--only", default="lists,pages,export,lottery,pdf,load,concurrency")
    parser.add_argument("--centres", type=int, default=100_000)
    parser.add_argument("--evaluators", type=int, default=100_000)
    parser.add_argument("--big-export", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pdfs", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--proof-centres", type=int, default=50)
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if args.quick:
        args.centres, args.evaluators, args.big_export, args.requests = 300, 2000, 5000, 5
        args.pdfs, args.users, args.seconds, args.proof_centres = 5, 4, 5, 4
    only = set(args.only.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="kse-bench-"))
    sizes = f"{args.centres:,} centres (as many final applications in the lottery's call), {args.evaluators:,} evaluators"
    try:
        # Only the sections that measure a database of their own need one built.
        per_database = only & {"lists", "pages", "export", "pdf", "load", "lottery"}
        for kind in args.db.split(",") if per_database else []:
            db = "SQLite" if kind == "sqlite" else "PostgreSQL"
            url = new_database(kind, tmp, "main")
            try:
                app, took = build(url, tmp, args.centres, args.evaluators)
                print(f"[{db}] demo load: {args.centres:,} centres, {args.evaluators:,} evaluators in {took:.0f} s",
                      flush=True)
                if "lists" in only:
                    section("lists", db, f"{sizes}; p95 of {args.requests} requests, best of two rounds",
                            bench_lists, db, app, args.requests)
                if "pages" in only:
                    section("pages", db, f"{args.evaluators:,} evaluators; p95 of {args.requests} requests, best of two "
                            "rounds", bench_pages, db, app, args.requests, args.evaluators)
                if "export" in only:
                    section("export", db, f"{args.evaluators:,} evaluators exported; {args.big_export:,} for the "
                            "flat-memory check", export_section, kind, db, app, url, tmp, args.big_export)
                if "pdf" in only:
                    section("pdf", db, f"{args.pdfs:,} forms", bench_pdf, db, app, args.pdfs)
                if "load" in only:
                    section("load", db, f"{args.users} users, {args.seconds} s",
                            bench_load, db, app, url, tmp, args.users, args.seconds)
                if "lottery" in only:  # last: it changes the database
                    section("lottery", db, sizes, bench_lottery, db, app, url, tmp)
            finally:
                drop_database(url)
        if "concurrency" in only:
            section("concurrency", "PostgreSQL", f"{args.proof_centres} centres",
                    bench_concurrency, args.proof_centres)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not args.quick:
        write_results(Path(args.results))
        print(f"written {args.results}")

if __name__ == "__main__":
    main()
