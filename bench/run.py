"""Benchmarks, run on demand (`make bench`): figures printed, each against a baseline
measured in the same run. Nothing here asserts a time.

1. CSV export of the evaluator list: the shared streaming export (server-side cursor,
   yield_per) against the naive way (load every row, then write), at two sizes, with
   peak Python memory (tracemalloc) while the whole response is consumed.
2. Demo data load of 10,000 centres and 100,000 evaluators.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOG_LEVEL", "ERROR")


def build(url: str, centres: int, evaluators: int, tmp: Path):
    from flask_migrate import upgrade

    from app.cli import load_reference_data
    from app.demo import load_demo
    from app.factory import create_app
    from app.roles import sync_roles

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": str(tmp / "up"), "MAIL_OUTBOX_DIR": str(tmp / "out"), "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        load_reference_data(app.appbuilder.session)
        app.appbuilder.session.commit()
        sync_roles(app.appbuilder)
        started = time.perf_counter()
        load_demo(app.appbuilder, centres=centres, evaluators=evaluators, seed=1)
        took = time.perf_counter() - started
        app.appbuilder.session.remove()
    return app, took


def login(app):
    client = app.test_client()
    client.post("/login/", data={"username": "helpdesk", "password": os.environ.get("DEMO_PASSWORD", "Demo-Pass-2026!")})
    return client


def measure(fn):
    tracemalloc.start()
    started = time.perf_counter()
    rows = fn()
    took = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, took, peak


def streaming_export(client, query: str = ""):
    def run():
        response = client.get("/evaluatorview/export/" + query)
        lines = 0
        for chunk in response.response:  # consume the stream chunk by chunk
            lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        return lines - 1

    return run


def naive_export(app, prefix: str):
    """The baseline: what an export built on FAB's datamodel.query does (all rows in memory)."""
    from models.evaluators import Evaluator

    def run():
        with app.app_context():
            session = app.appbuilder.session
            items = session.query(Evaluator).filter(Evaluator.registry_no.startswith(prefix)).order_by(Evaluator.id).all()
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for e in items:
                writer.writerow([e.registry_no, e.last_name, e.first_name, e.region, e.status.value, e.level.value,
                                 e.entry_score, e.ranking_score])
            data = buffer.getvalue().encode("utf-8")
            session.remove()
            return data.count(b"\n")

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluators", type=int, default=100_000)
    parser.add_argument("--centres", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="an EMPTY database (default: a new SQLite file)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kse-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    print(f"database: {url.split('@')[-1]}")
    app, load_time = build(url, args.centres, args.evaluators, tmp)
    print(f"demo load: {args.centres:,} centres + {args.evaluators:,} evaluators in {load_time:.1f} s")
    client = login(app)
    with app.app_context():
        view = next(v for v in app.appbuilder.baseviews if v.__class__.__name__ == "EvaluatorView")
        starts = [f.__class__.__name__ for f in view._filters.get_search_filters()["registry_no"]].index("FilterStartsWith")
    # EMA00… is one tenth of the registry numbers: the same export at ~1/10 of the rows.
    sizes = (("1/10", "EMA00"), ("all", "EMA"))
    print(f"{'export':<40}{'rows':>10}{'seconds':>10}{'peak MiB':>10}")
    peaks = {}
    for label, prefix in sizes:
        for name, fn in (("streaming (shared export)", streaming_export(client, f"?_flt_{starts}_registry_no={prefix}")),
                         ("baseline: load all, then write", naive_export(app, prefix))):
            rows, took, peak = measure(fn)
            peaks[(name, label)] = peak
            print(f"{name + ' [' + label + ']':<40}{rows:>10,}{took:>10.2f}{peak / 2**20:>10.1f}")
    s_small, s_all = peaks[("streaming (shared export)", "1/10")], peaks[("streaming (shared export)", "all")]
    b_small, b_all = peaks[("baseline: load all, then write", "1/10")], peaks[("baseline: load all, then write", "all")]
    print(f"growth of peak memory from 1/10 to all rows: streaming x{s_all / s_small:.2f}, baseline x{b_all / b_small:.2f}")
    print(f"peak memory at all rows: baseline / streaming = {b_all / s_all:.1f}x")


if __name__ == "__main__":
    main()
