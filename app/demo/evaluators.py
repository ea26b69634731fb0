"""Demo data of the evaluator registry (E-…): evaluators' registry files."""
from __future__ import annotations

from sqlalchemy import insert

from app.rules.identifiers import make_afm


def insert_evaluators(session, rng, count, regions, first_names, surnames) -> None:
    from models.evaluators import Evaluator, EvaluatorStatus

    statuses = [EvaluatorStatus.enrolled] * 8 + [EvaluatorStatus.submitted, EvaluatorStatus.inactive]
    evaluator_rows = []
    for i in range(1, count + 1):
        evaluator_rows.append({
            "registry_no": f"EMA{i:06d}",
            "first_name": rng.choice(first_names),
            "last_name": rng.choice(surnames),
            "father_name": rng.choice(first_names),
            "afm": make_afm(10_000_000 + i),
            "email": f"eval{i:06d}@example.gr",
            "region_id": rng.choice(regions),
            "status": statuses[i % len(statuses)] if i > 2 else EvaluatorStatus.enrolled,
            "entry_score": round(rng.uniform(55, 98), 2),
        })
    for start in range(0, len(evaluator_rows), 10_000):
        session.execute(insert(Evaluator), evaluator_rows[start:start + 10_000])

