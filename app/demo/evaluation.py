"""Demo data of the evaluation area (E-10…E-13): a closed cycle 2025-Α (so ΒΚ ≠ ΒΕ for
its evaluators, levels confirmed) and an open cycle 2026-Α whose sample is drawn and
assigned to the demo `grader` (chair) and `assessor` (independent assessor), with every
mark in except one axis-i line and one report per grader, left for the demo to finish."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models.mixins import utcnow

BODY = "ΕΥΔ Επιχειρησιακού Προγράμματος «Ανάπτυξη Ανθρώπινου Δυναμικού»"
PROGRAMME = "ΕΠ Ανάπτυξη Ανθρώπινου Δυναμικού, Εκπαίδευση και Διά Βίου Μάθηση"


def _mark(rng, low: int, high: int) -> int:
    return rng.randint(low, high)


def load_evaluation_demo(session, rng, context) -> str:
    from app import evaluation as service
    from models.evaluation import (ATTITUDE, CRITERIA, EvaluationCycle, LevelDecision, Participation, Report,
                                   ReportMark)
    from models.evaluators import Evaluator, EvaluatorStatus

    users = context["users"]
    chair, assessor = users["grader"], users["assessor"]
    enrolled = session.scalars(
        select(Evaluator).where(Evaluator.status == EvaluatorStatus.enrolled).order_by(Evaluator.registry_no)
    ).all()

    def cycle_with(name, starts, ends, members, reports_each):
        cycle = EvaluationCycle(name=name, body=BODY, programme=PROGRAMME, starts_on=starts, ends_on=ends,
                                chair_id=chair.id, assessor_id=assessor.id)
        session.add(cycle)
        session.flush()
        for evaluator, count in zip(members, reports_each, strict=False):
            session.add(Participation(cycle_id=cycle.id, evaluator_id=evaluator.id))
            for n in range(1, count + 1):
                session.add(Report(cycle_id=cycle.id, evaluator_id=evaluator.id,
                                   reference=f"{name}/{evaluator.registry_no[-3:]}-{n:02d}"))
        session.flush()
        service.draw_sample(session, cycle, seed=f"demo-{name}-{rng.randrange(10**9)}", commit=False)
        return cycle

    # 2025-Α: closed; the last member marked low, so that a level below Α is proposed.
    earlier = enrolled[: min(8, len(enrolled))]
    closed = cycle_with("2025-Α", dt.date(2025, 3, 1), dt.date(2025, 6, 30), earlier,
                        [rng.randint(1, 7) for _ in earlier])
    weak = earlier[-1].id if len(earlier) > 2 else None
    for p in session.scalars(select(Participation).where(Participation.cycle_id == closed.id)):
        low, high = (15, 35) if p.evaluator_id == weak else (45, 98)
        for c in ATTITUDE:
            setattr(p, c, _mark(rng, low, high))
    reports = dict(session.execute(select(Report.id, Report.evaluator_id).where(Report.cycle_id == closed.id)).all())
    for m in session.scalars(select(ReportMark).where(ReportMark.cycle_id == closed.id)):
        low, high = (10, 30) if reports[m.report_id] == weak else (45, 98)
        for c in CRITERIA:
            setattr(m, c, _mark(rng, low, high))
    session.flush()
    service.close_cycle(session, closed, commit=False)
    closed.closed_at = utcnow() - dt.timedelta(days=200)
    decisions = session.scalars(select(LevelDecision).where(LevelDecision.cycle_id == closed.id)).all()
    for decision in decisions:  # recorded before sessions were linked (the committee's come later)
        decision.session_reference = "Συνεδρίαση 4/2025"
    service.confirm_levels(session, list(decisions), actor_id=users["committee"].id, commit=False)

    # 2026-Α: open, sample drawn, marks all in but one line of each kind.
    current = cycle_with("2026-Α", dt.date(2026, 2, 1), dt.date(2026, 6, 30), enrolled[:3], [2, 3, 7][: len(enrolled)])
    participations = session.scalars(
        select(Participation).where(Participation.cycle_id == current.id).order_by(Participation.id)
    ).all()
    for p in participations[1:]:
        for c in ATTITUDE:
            setattr(p, c, _mark(rng, 50, 95))
    marks = session.scalars(select(ReportMark).where(ReportMark.cycle_id == current.id).order_by(ReportMark.code)).all()
    left = {next(m.id for m in marks if m.grader_id == who.id) for who in (chair, assessor)}
    for m in marks:
        if m.id not in left:
            for c in CRITERIA:
                setattr(m, c, _mark(rng, 50, 95))
    session.flush()
    service.rescore(session, actor_id=None, commit=False)
    return f"evaluation: cycles 2025-Α (closed, {len(earlier)} evaluators) and 2026-Α (open, {len(participations)})"
