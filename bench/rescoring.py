"""Benchmark of the rescoring (E-13): `app.evaluation.rescore` (two set-based statements in
one transaction) on N evaluators × C closed cycles, beside the naive way (a per-row ORM
loop: load each evaluator, its ΒΑ, compute, count the better ones for the rank, write)
timed on a sample and extrapolated to N. Figures are printed; nothing asserts a time.

    .venv/bin/python bench/rescoring.py                      # 1,000,000 × 3, throwaway SQLite
    .venv/bin/python bench/rescoring.py --evaluators 20000   # quick
    .venv/bin/python bench/rescoring.py --database-url postgresql+psycopg://…/empty_db
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOG_LEVEL", "ERROR")
CHUNK = 50_000


def build(url: str, tmp: Path):
    from flask_migrate import upgrade

    from app.factory import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": str(tmp / "up"), "MAIL_OUTBOX_DIR": str(tmp / "out"),
                      "JOBS_QUEUE_URL": "immediate"})
    with app.app_context():
        upgrade()
    return app


def fill(session, evaluators: int, cycles: int, seed: int = 1) -> None:
    """N enrolled evaluators with a ΒΕ, C closed cycles with a ΒΑ for every evaluator."""
    from sqlalchemy import insert

    from models.evaluation import EvaluationCycle, Participation
    from models.evaluators import Evaluator

    rng = random.Random(seed)
    table = Evaluator.__table__
    for start in range(0, evaluators, CHUNK):
        session.execute(insert(table), [
            {"registry_no": f"B{i:09d}", "first_name": "Όνομα", "last_name": f"Επώνυμο{i}", "status": "enrolled",
             "level": "A", "entry_score": round(rng.uniform(40, 100), 2)}
            for i in range(start + 1, min(start + CHUNK, evaluators) + 1)])
    ids = session.execute(EvaluationCycle.__table__.insert().returning(EvaluationCycle.id), [
        {"name": f"BENCH-{c}", "body": "b", "programme": "p", "status": "closed"} for c in range(1, cycles + 1)
    ]).scalars().all()
    first = session.execute(table.select().with_only_columns(table.c.id).order_by(table.c.id).limit(1)).scalar()
    for cycle_id in ids:
        for start in range(0, evaluators, CHUNK):
            session.execute(insert(Participation.__table__), [
                {"cycle_id": cycle_id, "evaluator_id": first + i, "score": round(rng.uniform(20, 100), 2),
                 "points": 0} for i in range(start, min(start + CHUNK, evaluators))])
    session.commit()


def naive(session, sample: int) -> float:
    """The per-row ORM loop on the first `sample` evaluators (rolled back); seconds."""
    from sqlalchemy import func, select

    from app.rules.evaluation import ranking_score
    from models.evaluation import CycleStatus, EvaluationCycle, Participation
    from models.evaluators import Evaluator

    started = time.perf_counter()
    for evaluator in session.scalars(select(Evaluator).order_by(Evaluator.id).limit(sample)).all():
        scores = session.scalars(
            select(Participation.score).join(EvaluationCycle, EvaluationCycle.id == Participation.cycle_id)
            .where(Participation.evaluator_id == evaluator.id, EvaluationCycle.status == CycleStatus.closed)
        ).all()
        evaluator.ranking_score = ranking_score(Decimal(evaluator.entry_score), [Decimal(s) for s in scores])
        session.flush()
        session.scalar(select(func.count()).select_from(Evaluator)  # the rank: how many score higher
                       .where(Evaluator.ranking_score > evaluator.ranking_score))
    took = time.perf_counter() - started
    session.rollback()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluators", type=int, default=1_000_000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--sample", type=int, default=1_000, help="evaluators the naive loop is timed on")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="an EMPTY database (default: a new SQLite file)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ema-rescoring-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    print(f"database: {url.split('@')[-1]}")
    app = build(url, tmp)
    from app import audit
    from app.evaluation import rescore

    with app.app_context():
        session = app.appbuilder.session
        audit.system_actor.set("bench")
        started = time.perf_counter()
        fill(session, args.evaluators, args.cycles)
        print(f"fill: {args.evaluators:,} evaluators x {args.cycles} closed cycles in "
              f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        run = rescore(session, actor_id=None)
        took = time.perf_counter() - started
        print(f"{'set-based rescore (one transaction)':<44}{run.evaluators:>12,} evaluators {took:>8.1f} s")
        sample = naive(session, args.sample)
        estimate = sample * args.evaluators / args.sample
        print(f"{'naive per-row ORM loop, on a sample':<44}{args.sample:>12,} evaluators {sample:>8.1f} s")
        print(f"{'naive per-row ORM loop, extrapolated':<44}{args.evaluators:>12,} evaluators {estimate:>8.0f} s"
              f"  (~{estimate / took:,.0f}x the set-based run)")
        session.remove()


if __name__ == "__main__":
    main()
