"""F12: credential recovery for a known user against an unknown number, side by side.

    python bench/recovery.py [--requests 300]

Both paths go through the real view (POST /recover/) on a demo database (SQLite). The
"queue" figures are what a requester can time in production: the mail leaves through the
job queue (JOBS_QUEUE_URL=sqlite, no worker draining it here). The "inline" figures run
the job in the request (the test setting), mail written to the outbox, as an upper bound
of the difference. Nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from run import build, overrides, p95  # bench/run.py: the database build of `make bench`


def measure(app, pairs, n):
    """Mean and p95 (ms) per path; the paths alternate so both see the same machine load."""
    client = app.test_client()
    samples: dict[str, list[float]] = {label: [] for label, _ in pairs}
    for i in range(n):
        for label, data in pairs:
            started = time.perf_counter()
            response = client.post("/recover/", data=data)
            samples[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        if i == 0:
            for values in samples.values():
                values.clear()  # the first round warms caches
    return {label: (statistics.mean(v), p95(v)) for label, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    from app.factory import create_app
    from app.rules.identifiers import make_afm

    known = {"kind": "afm", "number": make_afm(90000001)}  # manager1 of app.demo
    unknown = {"kind": "afm", "number": make_afm(12345678)}
    pairs = [("known", known), ("unknown", unknown)]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'recovery.db'}"
        build(url, tmp, centres=6, evaluators=12)
        for mode, queue in (("queue", f"sqlite:///{tmp / 'queue.sqlite3'}"), ("inline", "immediate")):
            app = create_app({**overrides(url, tmp), "JOBS_QUEUE_URL": queue, "PUBLIC_BASE_URL": "http://localhost"})
            figures = measure(app, pairs, args.requests + 1)
            (km, kp), (um, up) = figures["known"], figures["unknown"]
            print(f"recovery ({mode}, {args.requests} requests each): known mean {km:.2f} ms p95 {kp:.2f} ms | "
                  f"unknown mean {um:.2f} ms p95 {up:.2f} ms | difference of means {km - um:+.2f} ms", flush=True)


if __name__ == "__main__":
    main()
