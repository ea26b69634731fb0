"""Demo data of the committee (E-4…E-6, E-9): a past and a next session, submitted
applications on the next session's agenda, recognitions of the enrolled evaluators,
a body with its operational programme, declared relations and one body's request."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert, select, update

RECOGNISED = 5000


def load_committee_demo(session, rng, context) -> str:
    from app import committee as service
    from app.rules.committee import MAX_REGIONS
    from models.committee import (
        Body, CommitteeSession, EvaluatorRelation, OperationalProgramme, Recognition, RecognitionKind, RelationKind,
        SelectionRequest,
    )
    from models.evaluators import Evaluator, EvaluatorStatus
    from models.reference import Region, TargetGroup, ThematicField

    today = dt.date.today()
    past = CommitteeSession(held_on=today - dt.timedelta(days=70), place="Αθήνα, αίθουσα 3")
    upcoming = CommitteeSession(held_on=today + dt.timedelta(days=8), place="Αθήνα, αίθουσα 3")
    session.add_all([past, upcoming])

    fields = list(session.scalars(select(ThematicField.id).order_by(ThematicField.code)))
    groups = list(session.scalars(select(TargetGroup.id).order_by(TargetGroup.code)))
    regions = list(session.scalars(select(Region.id).order_by(Region.code)))
    # Recognitions of the first enrolled evaluators (bulk: the benchmarks load 100,000).
    enrolled = list(session.scalars(select(Evaluator.id).where(Evaluator.status.in_(
        [EvaluatorStatus.enrolled, EvaluatorStatus.inactive])).order_by(Evaluator.registry_no).limit(RECOGNISED)))
    # The demo request's first criterion is field 6: two related evaluators and an inactive
    # one (score ≥ 60) hold it, so the auxiliary table shows each reason.
    scored = session.execute(select(Evaluator.id, Evaluator.status).where(
        Evaluator.id.in_(enrolled), Evaluator.entry_score >= 60).order_by(Evaluator.registry_no)).all()
    related = [i for i, status in scored if status is EvaluatorStatus.enrolled][:2]
    held_out = set(related + [i for i, status in scored if status is EvaluatorStatus.inactive][:1])
    empty = {"thematic_field_id": None, "target_group_id": None, "region_id": None}
    rows = []
    for ev_id in enrolled:
        own = rng.sample(fields, rng.randint(1, 3))
        if ev_id in held_out and fields[5] not in own:
            own[0] = fields[5]
        picks = {
            RecognitionKind.field: ("thematic_field_id", own),
            RecognitionKind.group: ("target_group_id", rng.sample(groups, rng.randint(1, 4))),
            RecognitionKind.region: ("region_id", rng.sample(regions, rng.randint(1, MAX_REGIONS))),
        }
        for kind, (column, ids) in picks.items():
            rows += [{**empty, "evaluator_id": ev_id, "kind": kind, "position": n, column: ref}
                     for n, ref in enumerate(ids, start=1)]
    for start in range(0, len(rows), 10_000):
        session.execute(insert(Recognition), rows[start:start + 10_000])
    session.execute(update(Evaluator).where(Evaluator.ranking_score.is_(None))
                    .values(ranking_score=Evaluator.entry_score))

    body = Body(name="Ειδική Υπηρεσία Διαχείρισης ΕΠ «Ανάπτυξη Ανθρώπινου Δυναμικού»")
    programme = OperationalProgramme(code="ΕΠΑΝΑΔ", name_el="Ανάπτυξη Ανθρώπινου Δυναμικού")
    session.add_all([body, programme])
    session.flush()
    if len(related) == 2:  # E-9: heads of the programme's special service and related persons stay out
        session.add_all([
            EvaluatorRelation(evaluator_id=related[0], kind=RelationKind.service_head,
                              operational_programme_id=programme.id, description="Προϊστάμενος μονάδας"),
            EvaluatorRelation(evaluator_id=related[1], kind=RelationKind.body, body_id=body.id,
                              description="Σύμβαση έργου με τον φορέα"),
        ])
    session.add(SelectionRequest(
        body_id=body.id, subject="Αξιολόγηση προτάσεων κατάρτισης ανέργων πληροφορικής",
        operational_programme_id=programme.id, wanted=3, deadline=today + dt.timedelta(days=30),
        filed_on=today, min_score=Decimal("50"),
        criteria=[{"kind": "field", "id": fields[5]}, {"kind": "region", "id": regions[0]},
                  {"kind": "group", "id": groups[10]}]))
    session.flush()
    # Submitted applications without a filing time get one 15 days ago: past the next
    # session's cut-off (8 − 10 days = 2 days ago), so they are on its agenda.
    session.execute(update(Evaluator).where(Evaluator.status == EvaluatorStatus.submitted,
                                            Evaluator.submitted_at.is_(None))
                    .values(submitted_at=dt.datetime.combine(today - dt.timedelta(days=15), dt.time(10, 0))))
    applications = session.scalar(select(Evaluator.id).where(Evaluator.status == EvaluatorStatus.submitted)
                                  .limit(1))
    added = service.fill_agenda(session, upcoming) if applications else 0
    _late_application(session, today, fields)
    return f"committee: 2 sessions, {added} agenda items, 1 application after the cut-off, 1 selection request"


def _late_application(session, today, fields) -> None:
    """An application filed today, after the next session's cut-off (E-4): it waits,
    submitted, for the session after."""
    from app import evaluators
    from app.rules.evaluators import protocol_number
    from models import evaluators as em

    last = session.scalar(select(em.Evaluator.id).order_by(em.Evaluator.id.desc()).limit(1)) or 0
    ev = em.Evaluator(first_name="Ευτυχία", last_name="Αργυροπούλου", email="late.candidate@example.gr",
                      status=em.EvaluatorStatus.submitted, protocol_no=protocol_number(today.year, 900_000 + last),
                      submitted_at=dt.datetime.combine(today, dt.time(9, 30)))
    session.add(ev)
    session.flush()
    session.add(em.EvaluatorDegree(evaluator_id=ev.id, institution="Αριστοτέλειο Πανεπιστήμιο", country="Ελλάδα",
                                   kind=em.DegreeKind.aei, title="Πτυχίο Οικονομικών",
                                   awarded_on=dt.date(today.year - 10, 7, 1), thematic_field_id=fields[4]))
    session.flush()
    evaluators.recompute_entry_scores(session, [ev.id])

