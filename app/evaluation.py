"""Evaluation of evaluators: the transactions behind the views and the CLI (E-10…E-15).

Cycles are imported or entered, their axis-ii sample drawn from a recorded seed, the
sampled reports coded and assigned to the cycle's chair and independent assessor, the
marks checked, the cycle closed (ΒΑ per evaluator, frozen), levels proposed and
confirmed, the registry rescored set-based (ΒΚ and rank) and the nominal tables and
individual sheets assembled. Arithmetic lives in app.rules.evaluation.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import time
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypedDict, TypeVar

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import (ColumnElement, CursorResult, Integer, Select, case, cast, delete, func, insert, literal, or_,
                        select, update)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.orm.state import InstanceState

from app import audit, formatting, jobs
from app.clock import local_now, utc_to_local
from app.errors import Refused
from app.rules import evaluation as rules
from models.evaluation import (ATTITUDE, CRITERIA, CycleStatus, EvaluationCycle, GraderCapacity, LevelDecision,
                               LevelThreshold, Participation, PointBand, Report, ReportMark, RescoringEntry,
                               RescoringLock, RescoringRun)
from models.committee import CommitteeSession
from models.evaluators import Evaluator, EvaluatorStatus, PerformanceLevel, _Experience, _Verifiable
from models.mixins import utcnow
from models.users import AppUser

if TYPE_CHECKING:
    from app.home import Panel

Progress = Callable[[int, int], None]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alikes (0/O, 1/I)
RANKED = (EvaluatorStatus.enrolled,)  # the absolute order (E-14) holds the enrolled
RESCORED = (EvaluatorStatus.enrolled, EvaluatorStatus.inactive)  # E-13: every evaluator with a ΒΕ
LOCK_ID = 1
FileRow = TypeVar("FileRow", bound=_Verifiable)


def when(value: dt.datetime | None) -> str:
    """A stored UTC instant as Europe/Athens wall time to the minute; "—" for none."""
    local = utc_to_local(value)
    return local.strftime("%d/%m/%Y %H:%M") if local else "—"


def level_label(level: PerformanceLevel | str | None) -> str:
    """Α, Β, Γ (Greek capitals) everywhere a level is shown; "—" for none."""
    if level is None:
        return "—"
    return rules.LEVEL_LABELS[level.value if isinstance(level, PerformanceLevel) else level]


# --- cycles: participants and reports ------------------------------------------------------
def check_open(cycle: EvaluationCycle) -> None:
    if cycle.is_closed:
        raise Refused(_l("Cycle %(name)s is closed: its marks and scores can no longer change."),
                      status=409, name=cycle.name)


def check_cycle_edit(cycle: EvaluationCycle) -> None:
    """A cycle's details change while it is open; once drawn, not its chair, assessor or
    sample size (the assignments and the draw depend on them)."""
    check_open(cycle)
    if cycle.sampled_at is not None:
        state: InstanceState[EvaluationCycle] = sa_inspect(cycle)
        fixed = ("chair_id", "assessor_id", "sample_all_up_to", "sample_min", "sample_share")
        if any(state.attrs[c].history.has_changes() for c in fixed):
            raise Refused(_l("The sample has been drawn: its chair, assessor and sample size are fixed."))


def check_not_sampled(cycle: EvaluationCycle) -> None:
    check_open(cycle)
    if cycle.sampled_at is not None:
        raise Refused(_l("The sample of cycle %(name)s has been drawn: its evaluators and reports are fixed."),
                      status=409, name=cycle.name)


def import_cycle_csv(session: Session, cycle: EvaluationCycle, text: str) -> int:
    """Participants and their reports from CSV `registry_no,reference` (one report per
    line), all or nothing: every problem is reported with its line number."""
    check_not_sampled(cycle)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or {"registry_no", "reference"} - {f.strip() for f in reader.fieldnames}:
        raise Refused(_l("The file needs the columns registry_no and reference."))
    rows = [(n, {(k or "").strip(): (v or "").strip() for k, v in r.items()}) for n, r in enumerate(reader, start=2)]
    numbers = {r["registry_no"] for _n, r in rows}
    found = session.scalars(select(Evaluator).where(Evaluator.registry_no.in_(numbers)))
    evaluators = {e.registry_no: e for e in found}
    known = set(session.scalars(select(Report.reference).where(Report.cycle_id == cycle.id)))
    problems: list[str] = []
    seen: set[str] = set()
    for n, row in rows:
        evaluator = evaluators.get(row["registry_no"])
        if evaluator is None:
            problems.append(str(_l("line %(n)s: no evaluator with registry no. %(no)s", n=n, no=row["registry_no"])))
        elif evaluator.status is not EvaluatorStatus.enrolled:
            problems.append(str(_l("line %(n)s: %(no)s is not an enrolled evaluator", n=n, no=row["registry_no"])))
        if not row["reference"]:
            problems.append(str(_l("line %(n)s: the report reference is empty", n=n)))
        elif row["reference"] in seen or row["reference"] in known:
            problems.append(str(_l("line %(n)s: report %(ref)s appears twice", n=n, ref=row["reference"])))
        seen.add(row["reference"])
    if not rows:
        problems.append(str(_l("The file has no rows.")))
    if problems:
        raise Refused("; ".join(problems))
    present = set(session.scalars(select(Participation.evaluator_id).where(Participation.cycle_id == cycle.id)))
    for _n, row in rows:
        evaluator = evaluators[row["registry_no"]]
        if evaluator.id not in present:
            session.add(Participation(cycle_id=cycle.id, evaluator_id=evaluator.id))
            present.add(evaluator.id)
        session.add(Report(cycle_id=cycle.id, evaluator_id=evaluator.id, reference=row["reference"]))
    audit.record_action(session, "import_cycle", cycle, details={"reports": len(rows)})
    session.commit()
    return len(rows)


def _new_code(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if code not in taken:
            taken.add(code)
            return code


def draw_sample(session: Session, cycle: EvaluationCycle, *, seed: str | None = None, commit: bool = True) -> int:
    """E-10 axis ii: per evaluator a random sample of their reports from a recorded seed
    (app.rules.evaluation.draw_sample says how to re-derive it); each sampled report gets
    a random code and is assigned to the chair and to the independent assessor."""
    check_not_sampled(cycle)
    if cycle.chair_id is None or cycle.assessor_id is None:
        raise Refused(_l("Name the cycle's chair and independent assessor before drawing the sample."))
    if cycle.chair_id == cycle.assessor_id:
        raise Refused(_l("The chair and the independent assessor must be different people."))
    reports = session.scalars(select(Report).where(Report.cycle_id == cycle.id)).all()
    by_evaluator: dict[int, list[Report]] = defaultdict(list)
    for report in reports:
        by_evaluator[report.evaluator_id].append(report)
    missing = session.scalars(
        select(Evaluator.registry_no).join(Participation, Participation.evaluator_id == Evaluator.id)
        .where(Participation.cycle_id == cycle.id, Evaluator.id.not_in(list(by_evaluator) or [0]))
    ).all()
    if missing or not reports:
        raise Refused(_l("Every evaluator of the cycle needs at least one report: %(list)s"),
                      list=", ".join(m or "—" for m in missing) or "—")
    cycle.sample_seed = seed or secrets.token_hex(16)
    taken = {code for code in session.scalars(select(Report.code)) if code}
    sampled: list[Report] = []
    for _evaluator_id, own in by_evaluator.items():
        size = rules.sample_size(len(own), cycle.sample_all_up_to, cycle.sample_min, cycle.sample_share)
        number = own[0].evaluator.registry_no or ""  # enrolled evaluators all have one
        chosen = set(rules.draw_sample(cycle.sample_seed, number, [r.reference for r in own], size))
        for report in own:
            if report.reference in chosen:
                report.sampled, report.code = True, _new_code(taken)
                sampled.append(report)
    session.flush()
    # Assignments in code order (random), so their ids say nothing about authorship.
    for report in sorted(sampled, key=lambda r: r.code or ""):
        for capacity, grader_id in ((GraderCapacity.chair, cycle.chair_id),
                                    (GraderCapacity.independent, cycle.assessor_id)):
            session.add(ReportMark(report_id=report.id, cycle_id=cycle.id, code=report.code, capacity=capacity,
                                   grader_id=grader_id))
    cycle.sampled_at = utcnow()
    audit.record_action(session, "draw_sample", cycle, details={"seed": cycle.sample_seed, "sampled": len(sampled)})
    if commit:
        session.commit()
    return len(sampled)


# --- marks --------------------------------------------------------------------------------
def _check_marks(obj: Participation | ReportMark, columns: Iterable[str]) -> None:
    for column in columns:
        value = getattr(obj, column)
        if value is not None and not rules.check_mark(value):
            raise Refused(_l("Every mark is a whole number from 1 to 100."), field=column)


def check_attitude_marks(participation: Participation) -> None:
    """A chair's axis-i marks (E-10): 1–100, only while the cycle is open."""
    check_open(participation.cycle)
    _check_marks(participation, ATTITUDE)


def check_report_marks(mark: ReportMark, cycle: EvaluationCycle) -> None:
    """A grader's axis-ii marks (E-10): 1–100, only while the cycle is open."""
    check_open(cycle)
    _check_marks(mark, CRITERIA)


def missing_marks(session: Session, cycle: EvaluationCycle) -> list[str]:
    problems = []
    participations = session.scalars(select(Participation).where(Participation.cycle_id == cycle.id)).all()
    attitude = [p.evaluator.registry_no or "—" for p in participations if not p.attitude_complete]
    if attitude:
        problems.append(str(_l("axis-i marks missing for %(list)s", list=", ".join(sorted(attitude)))))
    marks = session.scalars(select(ReportMark).where(ReportMark.cycle_id == cycle.id)).all()
    reports = [m.code for m in marks if not m.complete]
    if reports:
        problems.append(str(_l("report marks missing for %(list)s", list=", ".join(sorted(set(reports))))))
    if cycle.sampled_at is None:
        problems.append(str(_l("the sample has not been drawn")))
    if not participations:
        problems.append(str(_l("the cycle has no evaluators")))
    return problems


def point_bands(session: Session) -> list[tuple[Decimal, int]]:
    rows = session.execute(select(PointBand.lowest_score, PointBand.points)).all()
    return [(r[0], r[1]) for r in rows] or [(Decimal(s), p) for s, p in rules.DEFAULT_POINT_BANDS]


def level_thresholds(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(select(LevelThreshold.level, LevelThreshold.lowest_points)).all()
    return [(r[0].value, r[1]) for r in rows] or list(rules.DEFAULT_LEVEL_THRESHOLDS)


def close_cycle(session: Session, cycle: EvaluationCycle, *, commit: bool = True) -> int:
    """Close a cycle whose marks are all in: ΒΑi, ΒΑii, ΒΑ and ΜΑ per evaluator (E-10…E-12),
    frozen from now on, and a level proposal for each of them. Returns the count."""
    check_open(cycle)
    problems = missing_marks(session, cycle)
    if problems:
        raise Refused(_l("The cycle cannot close: %(missing)s"), status=409, missing="; ".join(problems))
    weights = cycle.report_weights
    by_report: dict[int, dict[GraderCapacity, Decimal]] = defaultdict(dict)
    for mark in session.scalars(select(ReportMark).where(ReportMark.cycle_id == cycle.id)):
        mark.mark = rules.weighted_mark({c: getattr(mark, c) for c in CRITERIA}, weights)
        by_report[mark.report_id][mark.capacity] = mark.mark
    report_scores: dict[int, list[Decimal]] = defaultdict(list)
    for report in session.scalars(select(Report).where(Report.cycle_id == cycle.id, Report.sampled.is_(True))):
        pair = by_report[report.id]
        report_scores[report.evaluator_id].append(rules.report_score(
            pair[GraderCapacity.chair], pair[GraderCapacity.independent], cycle.chair_weight, cycle.assessor_weight))
    bands = point_bands(session)
    participations = session.scalars(select(Participation).where(Participation.cycle_id == cycle.id)).all()
    for p in participations:
        p.attitude_score = rules.attitude_score([getattr(p, c) for c in ATTITUDE])
        p.reports_score = rules.reports_score(report_scores[p.evaluator_id])
        p.score = rules.performance_score(p.attitude_score, p.reports_score)
        p.points = rules.performance_points(p.score, bands)
    cycle.status, cycle.closed_at = CycleStatus.closed, utcnow()
    session.flush()
    _propose_levels(session, cycle, [p.evaluator for p in participations])
    audit.record_action(session, "close_cycle", cycle, details={"evaluators": len(participations)})
    if commit:
        session.commit()
    return len(participations)


def total_points(session: Session, evaluator_ids: Iterable[int]) -> dict[int, int]:
    rows = session.execute(
        select(Participation.evaluator_id, func.coalesce(func.sum(Participation.points), 0))
        .join(EvaluationCycle, EvaluationCycle.id == Participation.cycle_id)
        .where(EvaluationCycle.status == CycleStatus.closed, Participation.evaluator_id.in_(list(evaluator_ids)))
        .group_by(Participation.evaluator_id)
    ).all()
    return {evaluator_id: int(total) for evaluator_id, total in rows}


def _propose_levels(session: Session, cycle: EvaluationCycle, evaluators: list[Evaluator]) -> None:
    """E-12: the system proposes a level by total ΜΑ; the committee confirms it."""
    totals = total_points(session, [e.id for e in evaluators])
    thresholds = level_thresholds(session)
    for evaluator in evaluators:
        total = totals.get(evaluator.id, 0)
        session.add(LevelDecision(cycle_id=cycle.id, evaluator_id=evaluator.id, total_points=total,
                                  previous_level=evaluator.level,
                                  proposed_level=PerformanceLevel(rules.level_for(total, thresholds))))


def session_label(decision: LevelDecision) -> str:
    """The session that confirmed a level: its date; older free text; "—" for none."""
    if decision.committee_session is not None:
        return formatting.format_date(decision.committee_session.held_on)
    return decision.session_reference or formatting.EMPTY


def check_confirming_session(decision: LevelDecision, committee_session: CommitteeSession | None) -> None:
    """E-12: a level is confirmed in a session held once its cycle had closed, not in
    the future (app.rules.evaluation.session_may_confirm)."""
    if committee_session is None:
        return
    closed = utc_to_local(decision.cycle.closed_at)
    if not rules.session_may_confirm(committee_session.held_on, closed.date() if closed else None,
                                     local_now().date()):
        raise Refused(_l("The levels of cycle %(cycle)s are confirmed in a session held after the cycle closed, "
                         "not in the future: %(session)s cannot be chosen."),
                      field="committee_session", cycle=decision.cycle.name,
                      session=formatting.format_date(committee_session.held_on))


def check_level_edit(decision: LevelDecision) -> None:
    """Before a decision is saved: a confirmed one never changes; the session chosen
    must be one that may confirm it."""
    if decision.confirmed_at is not None:
        raise Refused(_l("This level has been confirmed and can no longer change."))
    check_confirming_session(decision, decision.committee_session)


def confirm_levels(session: Session, decisions: list[LevelDecision], *, actor_id: int | None,
                   committee_session: CommitteeSession | None = None, commit: bool = True) -> int:
    """The committee confirms proposed levels (E-12) in a session (given here, or chosen
    on each decision beforehand): the evaluator's level changes, and the date of entry
    into Γ is kept while they stay at Γ. All or nothing: one session that may not
    confirm its decision refuses them all."""
    today = dt.date.today()
    pending = [d for d in decisions if d.confirmed_at is None]
    for decision in pending:
        check_confirming_session(decision, committee_session or decision.committee_session)
    done = 0
    for decision in pending:
        evaluator = decision.evaluator
        if decision.proposed_level is PerformanceLevel.C:
            if evaluator.level is PerformanceLevel.C:
                decision.entered_c_on = session.scalar(
                    select(LevelDecision.entered_c_on)
                    .where(LevelDecision.evaluator_id == evaluator.id, LevelDecision.entered_c_on.is_not(None))
                    .order_by(LevelDecision.confirmed_at.desc()).limit(1)
                ) or today
            else:
                decision.entered_c_on = today
        decision.previous_level = evaluator.level
        evaluator.level = decision.proposed_level
        decision.confirmed_at, decision.confirmed_by_id = utcnow(), actor_id
        decision.committee_session = committee_session or decision.committee_session
        done += 1
    if commit:
        session.commit()
    return done


def delete_cycle(session: Session, cycle: EvaluationCycle) -> None:
    """A closed cycle's ΒΑ are kept forever (E-11) and a drawn one holds marks: both stay.
    An undrawn cycle goes with the evaluators and reports entered for it (the caller
    deletes the cycle itself in the same transaction)."""
    check_not_sampled(cycle)
    session.execute(delete(Report).where(Report.cycle_id == cycle.id))
    session.execute(delete(Participation).where(Participation.cycle_id == cycle.id))


def check_content(cycle: EvaluationCycle, evaluator: Evaluator | None) -> None:
    """Evaluators and reports are added to a cycle until its sample is drawn, and only
    for enrolled evaluators."""
    check_not_sampled(cycle)
    if evaluator is None or evaluator.status is not EvaluatorStatus.enrolled:
        raise Refused(_l("Only enrolled evaluators take part in evaluation cycles."), field="evaluator")


# --- rescoring (E-13) ----------------------------------------------------------------------
def _lock(session: Session) -> None:
    """Two rescorings cannot interleave: the second is refused while the first runs."""
    try:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(RescoringLock.id).where(RescoringLock.id == LOCK_ID).with_for_update(nowait=True))
        # SQLite: the first write takes the database's write lock for the transaction.
        claimed = typing.cast(CursorResult[Any], session.execute(  # an UPDATE's result (typed as Result)
            update(RescoringLock).where(RescoringLock.id == LOCK_ID).values(run_id=None)))
    except DBAPIError:
        session.rollback()
        raise Refused(_l("Another rescoring is running; try again when it has finished."), status=409) from None
    if claimed.rowcount != 1:
        session.add(RescoringLock(id=LOCK_ID))
        session.flush()


# (run, evaluator, previous ΒΚ, new ΒΚ, previous rank, new rank, level): rescoring_entry's columns
RescoringRow = tuple[int, int, Decimal | None, Decimal, int | None, int | None, PerformanceLevel]


def rescoring_select(run_id: int) -> Select[RescoringRow]:
    """SELECT of (run, evaluator, previous ΒΚ, new ΒΚ, previous rank, new rank, level)
    for every evaluator with a ΒΕ: ΒΚ = 0.3 × ΒΕ + 0.7 × mean ΒΑ of the closed cycles,
    or ΒΕ with none (E-13); ranks by ΒΚ descending then registry no., enrolled only."""
    performance = (
        select(Participation.evaluator_id.label("evaluator_id"), func.avg(Participation.score).label("mean"))
        .join(EvaluationCycle, EvaluationCycle.id == Participation.cycle_id)
        .where(EvaluationCycle.status == CycleStatus.closed, Participation.score.is_not(None))
        .group_by(Participation.evaluator_id)
        .subquery()
    )
    entry = Evaluator.entry_score
    new_score = case(
        (performance.c.mean.is_(None), entry),
        else_=func.round(rules.ENTRY_WEIGHT * entry + rules.PERFORMANCE_WEIGHT * performance.c.mean, 2),
    )
    scored = (
        select(Evaluator.id.label("evaluator_id"), Evaluator.registry_no, Evaluator.level,
               Evaluator.ranking_score.label("previous"), new_score.label("new"),
               case((Evaluator.status.in_(RANKED), 1), else_=0).label("ranked"))
        .outerjoin(performance, performance.c.evaluator_id == Evaluator.id)
        .where(Evaluator.entry_score.is_not(None), Evaluator.status.in_(RESCORED))
        .subquery()
    )
    previous_known = case((scored.c.previous.is_(None), 0), else_=1)
    previous_rank = case((
        (scored.c.ranked == 1) & scored.c.previous.is_not(None),
        func.row_number().over(partition_by=[scored.c.ranked, previous_known],
                               order_by=[scored.c.previous.desc(), scored.c.registry_no]),
    ))
    new_rank = case((
        scored.c.ranked == 1,
        func.row_number().over(partition_by=scored.c.ranked, order_by=[scored.c.new.desc(), scored.c.registry_no]),
    ))
    return select(literal(run_id, Integer), scored.c.evaluator_id, scored.c.previous, scored.c.new,
                  cast(previous_rank, Integer), cast(new_rank, Integer), scored.c.level)


def rescore(session: Session, *, actor_id: int | None, progress: Progress | None = None,
            commit: bool = True) -> RescoringRun:
    """Rescore every evaluator in one transaction (E-13): two set-based statements
    (INSERT … SELECT with window functions for the ranks, UPDATE … FROM), each
    evaluator's previous and new ΒΚ and rank recorded. A failure leaves everything as
    it was; a second rescoring while one runs is refused."""
    report = progress or (lambda done, total: None)
    _lock(session)
    try:
        report(0, 3)
        run = RescoringRun(started_at=utcnow(), actor_id=actor_id)
        session.add(run)
        session.flush()
        session.execute(update(RescoringLock).where(RescoringLock.id == LOCK_ID).values(run_id=run.id))
        columns = ["run_id", "evaluator_id", "previous_score", "new_score", "previous_rank", "new_rank", "level"]
        session.execute(insert(RescoringEntry).from_select(columns, rescoring_select(run.id)))
        report(1, 3)
        session.execute(
            update(Evaluator)
            .where(Evaluator.id == RescoringEntry.evaluator_id, RescoringEntry.run_id == run.id)
            .values(ranking_score=RescoringEntry.new_score)
            .execution_options(synchronize_session=False)
        )
        report(2, 3)
        run.evaluators = session.scalar(select(func.count()).where(RescoringEntry.run_id == run.id)) or 0
        run.finished_at = utcnow()
        audit.record_action(session, "rescore", run, details={"evaluators": run.evaluators})
        if commit:
            session.commit()
        report(3, 3)
    except Exception:
        session.rollback()
        raise
    session.expire_all()
    return run


@jobs.handler("rescoring", exclusive=lambda params: "rescoring", label=_l("Rescoring"),
              target=lambda params: ("RescoringView.list", {}),
              describe=lambda result: gettext("Rescoring %(run)s: %(n)s evaluators", run=result["run"],
                                              n=result["evaluators"]))
def rescoring_job(session: Session, params: jobs.Params, progress: jobs.Progress) -> dict[str, int]:
    """The committee's rescoring as a background job (one at a time)."""
    run = rescore(session, actor_id=params.get("actor_id"), progress=progress)
    return {"run": run.id, "evaluators": run.evaluators}


@jobs.report_handler("ranking_tables_pdf", label=_l("Nominal tables by ranking score (PDF)"), model=None,
                     permission=("can_export", "RankingTablesView"), filename=lambda params: "nominal-tables.pdf",
                     target=lambda params: ("RankingTablesView.list", {}))
def ranking_tables_pdf_job(session: Session, params: dict[str, Any], progress: Progress, out: IO[bytes],
                           workdir: Path) -> None:
    """The E-14 tables by ΒΚ as a PDF file (a report job; the view only starts it)."""
    from reports.jobs import write_pdf

    progress(0, 1)
    write_pdf(out, "evaluation/pdf_nominal.html", tables=nominal_tables(session), level_label=level_label)
    progress(1, 1)


# --- nominal tables (E-14) and individual sheet (E-15) -------------------------------------
@dataclass
class TableRow:
    rank: int
    evaluator: Evaluator
    entered_c_on: dt.date | None = None
    level_session: str = "—"  # the committee session that confirmed the current level


@dataclass
class NominalTables:
    absolute: list[TableRow]
    levels_ab: list[TableRow]
    level_c: list[TableRow]
    inactive: list[TableRow]


def entry_into_c(session: Session, evaluator_ids: Iterable[int]) -> dict[int, dt.date]:
    rows = session.execute(
        select(LevelDecision.evaluator_id, func.max(LevelDecision.entered_c_on))
        .where(LevelDecision.evaluator_id.in_(list(evaluator_ids)), LevelDecision.confirmed_at.is_not(None),
               LevelDecision.entered_c_on.is_not(None))
        .group_by(LevelDecision.evaluator_id)
    ).all()
    return {evaluator_id: day for evaluator_id, day in rows if day is not None}


def level_sessions(session: Session) -> dict[int, str]:
    """Per evaluator, the session of their latest confirmed level decision (its date, or
    the free text recorded before sessions were linked)."""
    latest = (
        select(LevelDecision.evaluator_id, func.max(LevelDecision.confirmed_at).label("at"))
        .where(LevelDecision.confirmed_at.is_not(None)).group_by(LevelDecision.evaluator_id).subquery()
    )
    rows = session.execute(
        select(LevelDecision.evaluator_id, CommitteeSession.held_on, LevelDecision.session_reference)
        .join(latest, (latest.c.evaluator_id == LevelDecision.evaluator_id) & (latest.c.at == LevelDecision.confirmed_at))
        .outerjoin(CommitteeSession, CommitteeSession.id == LevelDecision.committee_session_id)
    ).all()
    return {evaluator_id: formatting.format_date(held_on) if held_on else reference or formatting.EMPTY
            for evaluator_id, held_on, reference in rows}


def _by_score(session: Session, *conditions: ColumnElement[bool]) -> Sequence[Evaluator]:
    return session.scalars(
        select(Evaluator).where(Evaluator.ranking_score.is_not(None), *conditions)
        .order_by(Evaluator.ranking_score.desc(), Evaluator.registry_no)
    ).all()


def nominal_tables(session: Session) -> NominalTables:
    """E-14: all enrolled by ΒΚ (absolute order); Α and Β together; Γ apart with the date
    of entry; inactive apart. The rank is the absolute order's."""
    enrolled = _by_score(session, Evaluator.status == EvaluatorStatus.enrolled)
    absolute = [TableRow(n, e) for n, e in enumerate(enrolled, start=1)]
    c_dates = entry_into_c(session, [r.evaluator.id for r in absolute if r.evaluator.level is PerformanceLevel.C])
    inactive = _by_score(session, Evaluator.status == EvaluatorStatus.inactive)
    confirmed_in = level_sessions(session)
    return NominalTables(
        absolute=absolute,
        levels_ab=[TableRow(r.rank, r.evaluator, level_session=confirmed_in.get(r.evaluator.id, "—")) for r in absolute
                   if r.evaluator.level is not PerformanceLevel.C],
        level_c=[TableRow(r.rank, r.evaluator, c_dates.get(r.evaluator.id), confirmed_in.get(r.evaluator.id, "—"))
                 for r in absolute if r.evaluator.level is PerformanceLevel.C],
        inactive=[TableRow(n, e) for n, e in enumerate(inactive, start=1)],
    )


def closed_scores(session: Session, evaluator_ids: Iterable[int] | None = None) -> dict[int, list[tuple[str, Decimal]]]:
    """Each evaluator's ΒΑ per closed cycle, oldest first."""
    stmt = (
        select(Participation.evaluator_id, EvaluationCycle.name, Participation.score)
        .join(EvaluationCycle, EvaluationCycle.id == Participation.cycle_id)
        .where(EvaluationCycle.status == CycleStatus.closed)
        .order_by(EvaluationCycle.closed_at, EvaluationCycle.id)
    )
    if evaluator_ids is not None:
        stmt = stmt.where(Participation.evaluator_id.in_(list(evaluator_ids)))
    scores: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for evaluator_id, name, score in session.execute(stmt):
        scores[evaluator_id].append((name, score))
    return scores


@dataclass
class SheetCycle:
    name: str
    body: str
    programme: str
    closed_at: dt.datetime | None
    attitude_score: Decimal | None
    reports_score: Decimal | None
    score: Decimal | None
    points: int | None
    cumulative_points: int | None


@dataclass
class Sheet:
    evaluator: Evaluator
    cycles: list[SheetCycle]
    history: list[RescoringEntry]
    levels: list[LevelDecision]
    rank: int | None
    total_points: int
    chart_points: list[tuple[str, int]] = field(default_factory=list)


def sheet(session: Session, evaluator: Evaluator) -> Sheet:
    """E-15 (Annex III): the evaluator's performance per closed cycle (ΒΑ, ΜΑ), the ΜΑ
    score-time series, ΒΕ, ΒΚ, rank and level over time."""
    rows = session.execute(
        select(Participation, EvaluationCycle)
        .join(EvaluationCycle, EvaluationCycle.id == Participation.cycle_id)
        .where(Participation.evaluator_id == evaluator.id, EvaluationCycle.status == CycleStatus.closed)
        .order_by(EvaluationCycle.closed_at, EvaluationCycle.id)
    ).all()
    cycles, running = [], 0
    for p, c in rows:
        running += p.points or 0
        cycles.append(SheetCycle(c.name, c.body, c.programme, c.closed_at, p.attitude_score, p.reports_score,
                                 p.score, p.points, running))
    history = session.scalars(
        select(RescoringEntry).join(RescoringRun, RescoringRun.id == RescoringEntry.run_id)
        .where(RescoringEntry.evaluator_id == evaluator.id).order_by(RescoringRun.started_at, RescoringRun.id)
    ).all()
    levels = session.scalars(
        select(LevelDecision).where(LevelDecision.evaluator_id == evaluator.id, LevelDecision.confirmed_at.is_not(None))
        .order_by(LevelDecision.confirmed_at)
    ).all()
    return Sheet(evaluator=evaluator, cycles=cycles, history=list(history), levels=list(levels),
                 rank=history[-1].new_rank if history else None, total_points=running,
                 chart_points=[(c.name, c.points or 0) for c in cycles])


def recent_rescorings(session: Session, limit: int = 20) -> list[RescoringRun]:
    return list(session.scalars(select(RescoringRun).order_by(RescoringRun.id.desc()).limit(limit)))


def evaluator_id_by_number(session: Session, number: str, visible: ColumnElement[bool]) -> int | None:
    """The id of the evaluator with this registry number, if the user may see it."""
    return session.scalar(select(Evaluator.id).where(Evaluator.registry_no == number, visible))


def evaluator_for_sheet(session: Session, evaluator_id: int, visible: ColumnElement[bool]) -> Evaluator:
    """The evaluator whose sheet is asked for, if the user may see it (else 404)."""
    evaluator = session.scalar(select(Evaluator).where(Evaluator.id == evaluator_id, visible))
    if evaluator is None:
        raise Refused(_l("Record not found."), status=404)
    return evaluator


class SheetSection(TypedDict):
    title: str  # translated (lazily)
    rows: Sequence[Sequence[str | Decimal | None]]


def sheet_sections(session: Session, evaluator: Evaluator) -> list[SheetSection]:
    """Formal qualifications and experience for the sheet (E-15), from the registry file's
    rows that count (not refused by the committee's verification), re-coded values first."""
    from models.evaluators import (EvaluatorCofundedExperience, EvaluatorDegree, EvaluatorLanguage,
                                   EvaluatorPostgraduate, EvaluatorProfessionalExperience, EvaluatorTraining)

    def rows(model: type[FileRow], order: QueryableAttribute[dt.date] | QueryableAttribute[str]) -> list[FileRow]:
        return [r for r in session.scalars(select(model).where(model.evaluator_id == evaluator.id).order_by(order))
                if r.counts()]

    def year(day: dt.date | None) -> str | None:
        return str(day.year) if day else None

    def months(r: _Experience) -> Decimal:
        return r.recoded_person_months if r.recoded_person_months is not None else r.person_months

    def period(r: _Experience) -> str:
        return f"{r.start_month:%m/%Y}–{r.end_month:%m/%Y}"

    scores = [[str(_l("Qualifications (BE1)")), evaluator.qualification_score],
              [str(_l("Experience (BE2)")), evaluator.experience_score],
              [str(_l("Interview (BE3)")), evaluator.interview_score]]
    return [
        {"title": _l("Entry score components"), "rows": scores},
        {"title": _l("Formal qualifications"), "rows":
            [[d.title, d.institution, year(d.awarded_on)] for d in rows(EvaluatorDegree, EvaluatorDegree.awarded_on)]
            + [[p.title, p.institution, year(p.awarded_on)]
               for p in rows(EvaluatorPostgraduate, EvaluatorPostgraduate.awarded_on)]
            + [[t.title, t.provider, f"{t.recoded_hours or t.hours} h"]
               for t in rows(EvaluatorTraining, EvaluatorTraining.completed_on)]
            + [[lang.language, lang.certificate, (lang.recoded_level or lang.level).value]
               for lang in rows(EvaluatorLanguage, EvaluatorLanguage.language)]},
        {"title": _l("Experience"), "rows":
            [[x.employer, x.role or x.subject, period(x), months(x)]
             for model in (EvaluatorCofundedExperience, EvaluatorProfessionalExperience)
             for x in rows(model, model.start_month)]},
    ]


# --- home page --------------------------------------------------------------------------
def home_summary(session: Session, user: AppUser) -> list[Panel]:
    """Grader: open marks (axis i as chair, axis ii as either); Evaluator: latest ΒΑ and level."""
    roles = {r.name for r in getattr(user, "roles", [])}
    items: list[Panel] = []
    if "Grader" in roles:
        open_cycles = select(EvaluationCycle.id).where(EvaluationCycle.status == CycleStatus.open)
        reports = session.scalar(
            select(func.count()).select_from(ReportMark)
            .where(ReportMark.grader_id == user.id, ReportMark.cycle_id.in_(open_cycles),
                   or_(*[getattr(ReportMark, c).is_(None) for c in CRITERIA]))
        ) or 0
        attitude = session.scalar(
            select(func.count()).select_from(Participation)
            .join(EvaluationCycle, EvaluationCycle.id == Participation.cycle_id)
            .where(EvaluationCycle.chair_id == user.id, EvaluationCycle.status == CycleStatus.open,
                   Participation.interest.is_(None))
        ) or 0
        items.append({"title": _l("Reports to mark"), "text": _l("Coded reports awaiting your marks"),
                      "count": reports, "url": "/reportmarkingview/list/"})
        items.append({"title": _l("Evaluators to mark (axis i)"), "text": _l("As chair of an open cycle"),
                      "count": attitude, "url": "/attitudemarkingview/list/"})
    if "Evaluator" in roles and getattr(user, "evaluator_id", None):
        evaluator = session.get(Evaluator, user.evaluator_id)
        latest = session.execute(
            select(EvaluationCycle.name, Participation.score)
            .join(EvaluationCycle, EvaluationCycle.id == Participation.cycle_id)
            .where(Participation.evaluator_id == user.evaluator_id, EvaluationCycle.status == CycleStatus.closed)
            .order_by(EvaluationCycle.closed_at.desc()).limit(1)
        ).first()
        text = (_l("Latest ΒΑ %(score)s (%(cycle)s); level %(level)s", score=latest[1], cycle=latest[0],
                   level=level_label(evaluator.level if evaluator else None)) if latest else
                _l("Not yet evaluated; level %(level)s", level=level_label(evaluator.level if evaluator else None)))
        items.append({"title": _l("My individual sheet"), "text": text, "url": "/individualsheetview/"})
    return items


# --- CLI ---------------------------------------------------------------------------------
ema_cli = AppGroup("ema", help="The evaluator registry (Ε.Μ.Α.): rescoring (E-13).")


@ema_cli.command("rescore")
def rescore_command() -> None:
    """Rescore every evaluator now (E-13), in one transaction."""
    session = current_app.appbuilder.session  # type: ignore[attr-defined]
    token = audit.system_actor.set("cli:ema-rescore")
    started = time.perf_counter()
    try:
        run = rescore(session, actor_id=None, progress=lambda done, total: click.echo(f"step {done}/{total}"))
    except Refused as exc:
        raise click.ClickException(exc.text()) from None
    finally:
        audit.system_actor.reset(token)
    click.echo(f"rescoring {run.id}: {run.evaluators} evaluators in {time.perf_counter() - started:.1f}s")
