"""Calls, expression of interest and the lottery: the transactions behind the views and
the CLI (rules K-4…K-9, ../shared/lottery.md). Views stay thin and call these.

Every operation here is one transaction that either commits whole or leaves nothing:
Annex A import (all or nothing), saving choices, the final submission (exactly one of
two concurrent ones wins, through the application's version counter), the lottery run
(claimed by a conditional UPDATE, stored in one commit; a failure rolls everything back
and it can run again).

The algorithm itself is app.rules.lottery (pure); this module persists its inputs,
calls it and stores its result.
"""
from __future__ import annotations

import datetime as dt
import contextlib
import functools
import gc
import hashlib
import json
import queue
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping
from typing import Any, NoReturn

import click
from flask import current_app
from flask_babel import gettext, lazy_gettext
from flask.cli import AppGroup
from collections.abc import Iterator

from sqlalchemy import String, event, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstanceState, Session
from sqlalchemy.orm.exc import StaleDataError

from app import access, audit, jobs
from app.errors import Refused
from app.clock import local_now, local_to_utc, utc_to_local  # noqa: F401 - the views use them through this module
from app.rules import annex_a, expression, lottery, sealing
from app.rules.expression import Phase, Problem, _l
from models.calls import (
    AnnexACell, Application, ApplicationChoice, ApplicationStatus, Call, LotteryAllocation, LotteryBundlePart,
)
from models.centres import Centre
from models.mixins import utcnow
from models.reference import Cluster, Prefecture, Region

ALLOCATION_CHUNK = 5000  # rows per INSERT batch while storing a run


def _one_transaction(operation):
    """A refused operation leaves nothing behind in the session (the view only reports)."""

    @functools.wraps(operation)
    def run(session, *args, **kwargs):
        try:
            return operation(session, *args, **kwargs)
        except Refused:
            session.rollback()
            raise

    return run


def refuse(message: str, **params: Any) -> NoReturn:
    raise _refusal([Problem(message, params)])


# --- time: app.clock (wall clock of LOCAL_TIMEZONE) ------------------------------------------


def phase_of(call: Call, now: dt.datetime | None = None) -> Phase:
    return expression.phase(call.opens_at, call.closes_at, now or local_now())


# --- the secret (lottery.md step 1) --------------------------------------------------------
def _master_key() -> bytes:
    key = current_app.config.get("LOTTERY_SECRET_KEY") or current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"kse-lottery-key|{key}".encode()).digest()


def set_secret(call: Call, secret_hex: str | None = None) -> None:
    """Draw (or take) the call's secret, seal it, publish its commitment."""
    secret_hex = secret_hex or lottery.new_secret()
    call.lottery_commitment = lottery.commitment(secret_hex)
    call.lottery_secret_sealed = sealing.seal(bytes.fromhex(secret_hex), _master_key(), call.code)


def reveal_secret(call: Call) -> str:
    try:
        secret_hex = sealing.unseal(call.lottery_secret_sealed, _master_key(), call.code).hex()
    except sealing.SealError:
        refuse(_l("The lottery secret of this call cannot be unsealed with the configured key."))
    if lottery.commitment(secret_hex) != call.lottery_commitment:
        refuse(_l("The lottery secret does not match the published commitment."))
    return secret_hex


@event.listens_for(Call, "before_insert")
def _commit_on_insert(mapper, connection, target: Call) -> None:
    # Every call has its commitment from the start, however it is created.
    if not target.lottery_commitment:
        set_secret(target)


# --- reference codes ---------------------------------------------------------------------
def cluster_rows(session) -> list[Cluster]:
    return list(session.scalars(select(Cluster).order_by(Cluster.position, Cluster.code)))


def _codes(session):
    clusters = dict(session.execute(select(Cluster.code, Cluster.id)).all())
    prefectures = dict(session.execute(select(Prefecture.code, Prefecture.id)).all())
    regions = dict(session.execute(select(Region.code, Region.id)).all())
    return clusters, prefectures, regions


# --- Annex A (K-4) ------------------------------------------------------------------------
@_one_transaction
def import_annex_a(session, call: Call, data: bytes) -> int:
    """Replace the call's Annex A with the file, all or nothing. Annex A is an input of
    the lottery: it is fixed once the call opens, like the commitment."""
    if phase_of(call) is not Phase.upcoming or call.lottery_run_at:
        refuse(_l("Annex A is fixed once the call opens; this call opened on %(date)s."),
               date=call.opens_at.strftime("%d/%m/%Y %H:%M"))
    clusters, prefectures, regions = _codes(session)
    cells, problems = annex_a.parse(data, clusters=set(clusters), prefectures=set(prefectures), regions=set(regions))
    if problems:
        raise _refusal(problems)
    for old in list(call.annex_cells):
        session.delete(old)
    session.flush()
    session.add_all(
        AnnexACell(call_id=call.id, cluster_id=clusters[c.cluster], category=c.category, programmes=c.programmes,
                   prefecture_id=prefectures[c.area] if c.category == "IIa" else None,
                   region_id=regions[c.area] if c.category == "IIb" else None)
        for c in cells
    )
    audit.record_action(session, "annex_a_import", call, details={
        "cells": len(cells), "programmes": sum(c.programmes for c in cells),
        "file_sha256": hashlib.sha256(data).hexdigest()})
    session.commit()
    return len(cells)


def annex_cells(session, call_id: int) -> list[tuple[str, str, str, int]]:
    """(cluster code, category, area code, programmes) of a call, in a stable order."""
    rows = session.execute(
        select(Cluster.code, AnnexACell.category, Prefecture.code, Region.code, AnnexACell.programmes)
        .join(Cluster, Cluster.id == AnnexACell.cluster_id)
        .outerjoin(Prefecture, Prefecture.id == AnnexACell.prefecture_id)
        .outerjoin(Region, Region.id == AnnexACell.region_id)
        .where(AnnexACell.call_id == call_id)
        .order_by(Cluster.position, AnnexACell.category, Prefecture.code, Region.code)
    ).all()
    return [(cluster, category, pref if category == "IIa" else region, n) for cluster, category, pref, region, n in rows]


def annex_table(session, call_id: int):
    from reports.calls import annex_table as build

    clusters = [(c.code, c.name_el) for c in cluster_rows(session)]
    regions = sorted(session.execute(select(Region.code, Region.name_el)).all(), key=lambda r: _numeric(r[0]))
    # Sorted here, not by the database: the same table on every database's collation.
    prefectures = sorted(session.execute(select(Prefecture.code, Prefecture.name_el, Region.code).join(Region)).all(),
                         key=lambda p: (p[1], p[0]))
    return build(annex_cells(session, call_id), clusters, regions, prefectures)


def _numeric(code: str):
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


# --- expression of interest (K-5…K-8) -----------------------------------------------------
def application_for(session, call_id: int, centre_id: int) -> Application | None:
    return session.scalar(select(Application).where(Application.call_id == call_id,
                                                    Application.centre_id == centre_id))


def _stale(app: Application | None, version: str | None) -> bool:
    current = "" if app is None else str(app.version)
    return (version or "") != current


STALE = _l("The application was changed in another window or tab; its current state is shown. "
           "Review it and try again.")
ALREADY_FINAL = _l("The application has been submitted finally and cannot be changed.")


@_one_transaction
def save_choices(session, call: Call, centre_id: int, form, version: str | None) -> Application:
    """'Καταχώριση επιλογών' (K-5): store the ranked clusters of the centre's draft."""
    clusters = cluster_rows(session)
    ranked, problems = expression.parse_ranking(form, [c.id for c in clusters])
    declarations = call.declaration_list()
    accepted = [form.get(f"declaration_{i}") in ("1", "on", "yes") for i in range(len(declarations))]
    app = application_for(session, call.id, centre_id)
    if app is not None and app.is_final:
        refuse(ALREADY_FINAL)
    if _stale(app, version):
        refuse(STALE)
    problems += expression.check_save(accepted, phase_of(call), False)
    if problems:
        raise _refusal(problems)
    if app is None:
        app = Application(call_id=call.id, centre_id=centre_id, status=ApplicationStatus.draft)
        session.add(app)
    app.declarations_accepted = True
    app.saved_at = utcnow()
    if app.choices:
        app.choices.clear()
        _flush_or_stale(session)  # the old ranking goes before the new one arrives (unique positions)
    app.choices.extend(ApplicationChoice(position=i, cluster_id=cid) for i, cid in enumerate(ranked, start=1))
    _commit_or_stale(session)
    return app


@_one_transaction
def final_submit(session, call: Call, centre_id: int, version: str | None) -> Application:
    """'Οριστική υποβολή' (K-6, K-7, K-8): the saved draft becomes final, gets its ticket
    and random number (lottery.md step 2) and its Form A2, in one transaction. Of two
    concurrent submissions exactly one commits: the UPDATE carries `version = <read>`."""
    from reports.calls import a2_pdf

    app = application_for(session, call.id, centre_id)
    if app is None:
        refuse(_l("Save the choices before the final submission."))
    if app.is_final:
        refuse(_l("The application has already been submitted finally (random number %(number)s)."),
               number=app.random_number)
    if _stale(app, version):
        refuse(STALE)
    ranked = [choice.cluster_id for choice in app.choices]
    problems = expression.check_final(ranked, call.required_clusters, app.declarations_accepted, phase_of(call),
                                      app.is_final, saved=app.saved_at is not None)
    if problems:
        raise _refusal(problems)
    centre = app.centre
    ticket_hex, number = lottery.ticket(reveal_secret(call), call.code, centre.code)
    app.status = ApplicationStatus.final
    app.submitted_at = utcnow().replace(microsecond=0)
    app.prefecture_id = centre.prefecture_id
    app.declarations_text = "\n".join(call.declaration_list())
    app.ticket = ticket_hex
    app.random_number = number
    pdf = a2_pdf(app, call, centre, submitted_local=utc_to_local(app.submitted_at))
    app.a2_pdf = pdf
    app.a2_sha256 = hashlib.sha256(pdf).hexdigest()
    audit.record_action(session, "final_submission", app, details={
        "call": call.code, "centre": centre.code, "random_number": number, "a2_sha256": app.a2_sha256,
        "clusters": [choice.cluster.code for choice in app.choices]})
    _flush_or_stale(session)
    # A submission racing the lottery is in its inputs or refused, never half (K-9,
    # lottery.md "Atomicity"): with our row written, read the claim under a share lock.
    # PostgreSQL: a run that claimed first makes us wait for its commit and then refuse;
    # one that claims after us waits for our commit and then reads us. SQLite: our
    # write lock already keeps a run from claiming until we commit.
    if session.execute(select(Call.lottery_run_at).where(Call.id == call.id).with_for_update(read=True)).scalar():
        session.rollback()
        refuse(_l("The lottery of %(call)s has already run; it runs once per call."), call=call.code)
    _commit_or_stale(session, already_final=True)
    return app


def a2_document(app: Application) -> bytes:
    """The stored Form A2; applications bulk-loaded without one (demo data) get it
    rendered from their stored, final data."""
    if app.a2_pdf:
        return app.a2_pdf
    from reports.calls import a2_pdf

    return a2_pdf(app, app.call, app.centre, submitted_local=utc_to_local(app.submitted_at))


def _flush_or_stale(session):
    try:
        session.flush()
    except (StaleDataError, IntegrityError):
        session.rollback()
        refuse(STALE)


def _commit_or_stale(session, already_final: bool = False):
    try:
        session.commit()
    except (StaleDataError, IntegrityError):
        session.rollback()
        refuse(_l("The application was submitted finally in another window or tab.") if already_final else STALE)


# --- what the views ask (K-4…K-8): each reads or decides, the views only render ------------------
def _refusal(problems: list[Any]) -> Refused:
    """One refusal for one or more problems (each shown on its own line by the views)."""
    return Refused("; ".join(gettext(p.message, **p.params) for p in problems), problems=problems)


def check_new_call(session: Session, call: Call) -> None:
    """K-4: a new call closes after it opens and asks for a possible number of clusters."""
    problems = expression.check_call_edit(set(), Phase.upcoming, False, clusters_total=len(cluster_rows(session)),
                                          required_clusters=call.required_clusters or 0, closes_at=call.closes_at,
                                          now=local_now())
    if call.opens_at and call.closes_at and call.closes_at <= call.opens_at:
        raise Refused(gettext("The call must close after it opens."))
    if problems:
        raise _refusal(problems[:1])
    check_declarations(call)


def check_declarations(call: Call) -> None:
    """K-5, manual 4.3: a call carries the declarations (Annex Γ) every centre accepts
    («Συμφωνώ») before «Καταχώριση επιλογών»; a call without any is refused."""
    if not call.declaration_list():
        raise Refused(gettext("Give the call's declarations (Annex Γ), one per line: each centre accepts them "
                              "before saving its choices."), field="declarations")


def check_call_change(session: Session, call: Call) -> None:
    """K-4, lottery.md: what may change depends on the phase the call was in before this
    edit (FAB has already copied the form into the row; its history has the old values).
    A refusal rolls the edit back."""
    if not call.declaration_list():
        session.rollback()
        check_declarations(call)
    state: InstanceState[Call] = inspect(call)
    changed = {attr.key for attr in state.mapper.column_attrs
               if state.attrs[attr.key].history.has_changes()
               and state.attrs[attr.key].history.deleted != state.attrs[attr.key].history.added}
    period = state.attrs["training_period"].history  # the form sets the relationship, not the column
    if period.has_changes() and [p.id for p in period.deleted if p] != [p.id for p in period.added if p]:
        changed.add("training_period_id")

    def before(key):
        history = state.attrs[key].history
        return history.deleted[0] if history.deleted else getattr(call, key)

    phase_before = expression.phase(before("opens_at"), before("closes_at"), local_now())
    problems = expression.check_call_edit(changed - {"updated_at"}, phase_before, before("lottery_run_at") is not None,
                                          clusters_total=len(cluster_rows(session)),
                                          required_clusters=call.required_clusters or 0, closes_at=call.closes_at,
                                          now=local_now())
    if call.closes_at <= call.opens_at:
        problems = [Problem(_l("The call must close after it opens."))] + problems
    if problems:
        session.rollback()
        raise _refusal(problems)


def undeletable_call_ids(session: Session) -> set[int]:
    """Calls that check_call_delete refuses (applications, or the lottery ran): their
    «Διαγραφή» is not offered."""
    return set(session.scalars(select(Call.id).where(Call.lottery_run_at.is_not(None)))) | set(
        session.scalars(select(Application.call_id).distinct()))


def check_call_delete(session: Session, call: Call) -> None:
    if call.lottery_run_at or session.scalar(select(func.count(Application.id))
                                             .where(Application.call_id == call.id)):
        raise Refused(gettext("A call with applications cannot be deleted."))


def call_page(session: Session, call: Call) -> dict[str, Any]:
    """The call page's panel: phase, applications by status, Annex A cells."""
    counts = dict(session.execute(
        select(Application.status, func.count(Application.id)).where(Application.call_id == call.id)
        .group_by(Application.status)).tuples().all())
    return {
        "phase": phase_of(call), "now": local_now(),
        "finals": counts.get(ApplicationStatus.final, 0), "drafts": counts.get(ApplicationStatus.draft, 0),
        "cells": session.scalar(select(func.count(AnnexACell.id)).where(AnnexACell.call_id == call.id)),
    }


def calls_newest_first(session) -> list[Call]:
    return list(session.scalars(select(Call).order_by(Call.opens_at.desc())))


def call_or_latest(session: Session, call_id: int | None) -> Call | None:
    """The call asked for, or the latest one (None: no such call)."""
    if call_id:
        return session.get(Call, call_id)
    return session.scalar(select(Call).order_by(Call.opens_at.desc()).limit(1))


def annex_export_rows(session: Session, call: Call) -> list[list[object]]:
    """Annex A in its import format (cluster, category, area, programmes), plus names, so
    that the file imports back unchanged."""
    names = {("cluster", c): n for c, n in session.execute(select(Cluster.code, Cluster.name_el))}
    names.update({("IIa", c): n for c, n in session.execute(select(Prefecture.code, Prefecture.name_el))})
    names.update({("IIb", c): n for c, n in session.execute(select(Region.code, Region.name_el))})
    return [[cluster, category, area, n, names.get(("cluster", cluster), ""), names.get((category, area), "")]
            for cluster, category, area, n in annex_cells(session, call.id)]


def call_for_centre(session: Session, call_id: int | None, centre_id: int | None) -> Call | None:
    """The call the expression-of-interest page shows: the one asked for; else an open
    one; else the one the centre last applied to; else the latest."""
    if call_id:
        return session.get(Call, call_id)
    calls = calls_newest_first(session)
    if not calls:
        return None
    open_calls = [c for c in calls if phase_of(c) is Phase.open]
    if open_calls:
        return open_calls[0]
    if centre_id:
        own = session.scalar(select(Application.call_id).where(Application.centre_id == centre_id)
                             .order_by(Application.id.desc()).limit(1))
        if own:
            return session.get(Call, own)
    return calls[0]


def centre_in_scope(session: Session, centre_id: int) -> Centre | None:
    """A centre the current user may see (row scope), or None."""
    centre = session.get(Centre, centre_id)
    return centre if centre is not None and access.is_visible(centre, session) else None


def writable_centre(session: Session, centre_id: int | None, posted_code: str | None) -> Centre | None:
    """The centre a manager applies for: their own only, and only from a form made for
    it (a forged or stale form for another centre gets None)."""
    if not centre_id:
        return None
    centre = session.get(Centre, centre_id)
    if centre is None or (posted_code is not None and posted_code != centre.code):
        return None
    return centre


def posted_choices(session: Session, call: Call, form: Mapping[str, str]) -> tuple[list[int], list[bool]]:
    """A refused post's ranking and ticks, to show them again as typed."""
    ranking, _problems = expression.parse_ranking(form, [c.id for c in cluster_rows(session)])
    accepted = [form.get(f"declaration_{i}") in ("1", "on", "yes") for i in range(len(call.declaration_list()))]
    return ranking, accepted


OVERVIEW_PAGE = 50


def applications_page(session: Session, call: Call, centre: Centre | None, *, may_overview: bool, manager: bool,
                      ranking: list[int] | None = None, accepted: list[bool] | None = None,
                      page: int = 1) -> dict[str, Any]:
    """What the expression-of-interest page shows: a centre's application (its own for a
    manager), or for the help desk and the Admin the call's applications, 50 a page.
    Refused (403) for anyone else without a centre."""
    clusters = cluster_rows(session)
    by_id = {c.id: c for c in clusters}
    context: dict[str, Any] = {"call": call, "centre": centre, "clusters": clusters, "calls": calls_newest_first(session)}
    if call is None:
        return context
    phase = phase_of(call)
    context.update(phase=phase, declarations=call.declaration_list())
    if centre is None:
        if not may_overview:
            raise Refused(gettext("Access denied"), status=403)  # e.g. a manager account not linked to a centre
        page = max(page, 1)
        rows = session.execute(
            select(Centre.id, Centre.code, Centre.name, Application.status, Application.submitted_at,
                   Application.random_number)
            .join(Centre, Centre.id == Application.centre_id)
            .where(Application.call_id == call.id).order_by(Centre.code)
            .limit(OVERVIEW_PAGE).offset((page - 1) * OVERVIEW_PAGE)
        ).all()
        total = session.scalar(select(func.count(Application.id)).where(Application.call_id == call.id)) or 0
        context.update(overview=rows, total=total, page=page,
                       pages=max((total + OVERVIEW_PAGE - 1) // OVERVIEW_PAGE, 1))
        return context
    app = application_for(session, call.id, centre.id)
    saved = [choice.cluster_id for choice in app.choices] if app else []
    if ranking is None or (app and app.is_final) or phase is not Phase.open:
        ranking = saved  # a refused post never shows as if it were the stored application
    if accepted is None:
        accepted = [bool(app and app.declarations_accepted)] * len(context["declarations"])
    context.update(
        app=app, chosen=[by_id[cid] for cid in ranking if cid in by_id],
        available=[c for c in clusters if c.id not in set(ranking)], accepted=accepted,
        editable=manager and phase is Phase.open and not (app and app.is_final),
        submitted_local=utc_to_local(app.submitted_at) if app and app.submitted_at else None,
        saved_local=utc_to_local(app.saved_at) if app and app.saved_at else None,
        allocations=allocations_of(session, call.id, centre.id) if call.lottery_run_at else [],
        finals=session.scalar(select(func.count(Application.id)).where(
            Application.call_id == call.id, Application.status == ApplicationStatus.final))
        if call.lottery_run_at else 0,
        dirty=ranking != saved,
    )
    return context


# --- the lottery (K-9, lottery.md steps 3-5) ----------------------------------------------
# At national scale (100,000 applications, 1.3M ranked clusters) the run works on plain
# tuples read in batches, never on ORM objects; the results go in with bulk INSERTs and
# one set-based UPDATE, and one audit entry (with the bundle's SHA-256) records the run.
def lottery_inputs(session, call: Call):
    """The final applications and Annex A cells as the pure lottery takes them, and what
    was stored at final submission: centre code -> (application id, ticket hex, centre id)."""
    conn = session.connection()  # Core rows: no ORM layer for 100,000 applications
    # The submission time as lottery.md writes it, formatted by the database (to the second,
    # UTC): no datetime parsed and formatted again in Python per application.
    if conn.dialect.name == "postgresql":
        submitted = func.to_char(Application.submitted_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    else:
        submitted = func.strftime("%Y-%m-%dT%H:%M:%SZ", Application.submitted_at)
    # Prefecture and region codes come from their small tables: joined in SQL they made
    # PostgreSQL, without statistics on a freshly loaded call, loop over 100,000 × 51 rows.
    areas = {pid: (pref, region) for pid, pref, region in conn.execute(
        select(Prefecture.id, Prefecture.code, Region.code).join(Region, Region.id == Prefecture.region_id)).tuples()}
    rows = conn.execute(
        select(Application.id, Centre.code, Application.prefecture_id, submitted, Application.ticket,
               Application.centre_id)
        .join(Centre, Centre.id == Application.centre_id)
        .where(Application.call_id == call.id, Application.status == ApplicationStatus.final)
    ).tuples().all()
    codes = {str(cid): code for cid, code in conn.execute(select(Cluster.id, Cluster.code)).tuples()}
    # One row per application instead of 1.3M: its cluster ids and, aggregated in the same
    # pass (so in the same order), their positions. Neither database promises the order of
    # a plain group_concat/string_agg (SQLite's has no ORDER BY; PostgreSQL's costs a sort
    # per application), so the positions say whether the ids came in ranking order -
    # "1,2,…,n", as stored and as PostgreSQL keeps its sorted input - or must be sorted.
    in_order = [",".join(map(str, range(1, n + 1))) for n in range(len(codes) + 1)]
    choices = (select(ApplicationChoice.application_id, ApplicationChoice.cluster_id, ApplicationChoice.position)
               .join(Application, Application.id == ApplicationChoice.application_id)
               .where(Application.call_id == call.id, Application.status == ApplicationStatus.final))
    if conn.dialect.name == "postgresql":  # one sort of 1.3M rows there; SQLite reads them in index order
        choices = choices.order_by(ApplicationChoice.application_id, ApplicationChoice.position)
    chosen = choices.subquery()
    ranking: dict[int, tuple[str, ...]] = {}
    for app_id, ids, positions in conn.execute(
        select(chosen.c.application_id, func.aggregate_strings(func.cast(chosen.c.cluster_id, String), ","),
               func.aggregate_strings(func.cast(chosen.c.position, String), ","))
        .group_by(chosen.c.application_id)
    ).tuples():
        cluster_ids = ids.split(",")
        if len(cluster_ids) >= len(in_order) or positions != in_order[len(cluster_ids)]:
            cluster_ids = [cid for _, cid in sorted(zip(map(int, positions.split(",")), cluster_ids, strict=True))]
        ranking[app_id] = tuple(map(codes.__getitem__, cluster_ids))
    applications = []
    for app_id, code, prefecture_id, submitted_at, _ticket, _centre_id in rows:
        prefecture, region = areas[prefecture_id]
        applications.append(lottery.Application(centre=code, prefecture=prefecture, region=region,
                                                clusters=ranking.pop(app_id, ()), submitted_at=submitted_at))
    capacity = [lottery.Capacity(cluster, category, area, n) for cluster, category, area, n in annex_cells(session, call.id)]
    return applications, capacity, {code: (app_id, ticket, centre_id)
                                     for app_id, code, _p, _s, ticket, centre_id in rows}


def check_lottery_can_run(call: Call | None) -> None:
    """Refuse a run that cannot happen: no call, already run, not closed yet."""
    if call is None:
        refuse(_l("No such call."))
    if call.lottery_run_at is not None:
        refuse(_l("The lottery of %(call)s has already run; it runs once per call."), call=call.code)
    if phase_of(call) is not Phase.closed:
        refuse(_l("The lottery runs only after the call has closed (%(date)s)."),
               date=call.closes_at.strftime("%d/%m/%Y %H:%M"))


LOTTERY_STEPS = 4  # progress: claimed, inputs read, drawn, stored


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cycle collector paused: a run makes millions of short-lived tuples, strings and
    dicts (none in a cycle) over a heap of millions, and the collector walked that heap
    again and again - about half of the pure algorithm's time at 100,000 applications
    (issue #13). Reference counting still frees everything; the collector resumes after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_lottery(session, call_id: int, progress=None) -> Call:
    """Run the lottery of a closed call once (lottery.md "Atomicity"). `progress(done,
    total)` hears of each step (the background job shows it)."""
    with _no_cyclic_gc():
        return _run_lottery(session, call_id, progress)


def _run_lottery(session, call_id: int, progress=None) -> Call:
    progress = progress or (lambda done, total: None)
    call = session.get(Call, call_id)
    check_lottery_can_run(call)
    now = utcnow().replace(microsecond=0)
    try:
        # Claim the call: a concurrent run waits on this row and then finds it taken.
        claimed = session.execute(update(Call).where(Call.id == call.id, Call.lottery_run_at.is_(None))
                                  .values(lottery_run_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            refuse(_l("The lottery of %(call)s has already run; it runs once per call."), call=call.code)
        progress(1, LOTTERY_STEPS)
        applications, capacity, stored = lottery_inputs(session, call)
        progress(2, LOTTERY_STEPS)
        # The draw (pure Python) runs in a thread while the database stores every
        # application's draw position, which it computes from the stored tickets alone: the
        # database works while Python computes (both drivers release the GIL while they
        # wait). A refusal below rolls the positions back with the rest.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lottery") as pool:
            drawing = pool.submit(lottery.run, call.code, reveal_secret(call), applications, capacity,
                                  call.max_programmes_per_centre)
            _store_draw_positions(session, call)
            try:
                bundle = drawing.result()
            except lottery.LotteryError as exc:
                refuse(_l("The lottery refused its inputs: %(error)s"), error=str(exc))
        del applications, capacity
        for entry in bundle["tickets"]:  # lottery.md step 2: the tickets given at submission
            if stored.get(entry["centre"], (None, None, None))[1] != entry["ticket"]:
                refuse(_l("The stored ticket of centre %(centre)s differs from the recomputed one."),
                       centre=entry["centre"])
        progress(3, LOTTERY_STEPS)
        centres = {code: centre_id for code, (_a, _t, centre_id) in stored.items()}
        del stored
        sha = _store_allocation_and_bundle(session, call, bundle, centres)
        call.lottery_run_at = now
        call.lottery_bundle_sha256 = sha
        audit.record_action(session, "lottery_run", call, details={
            "algorithm": lottery.ALGORITHM, "bundle_sha256": sha, "commitment": call.lottery_commitment,
            "applications": len(bundle["applications"]), "allocations": len(bundle["allocation"])})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    progress(LOTTERY_STEPS, LOTTERY_STEPS)
    return call


@jobs.handler("lottery", exclusive=lambda params: f"lottery:call:{params['call_id']}", label=lazy_gettext("Lottery"),
              target=lambda params: ("CallView.show", {"pk": params["call_id"]}),
              describe=lambda result: gettext("Lottery of %(call)s: bundle SHA-256 %(sha)s",
                                              call=result["call"], sha=result["bundle_sha256"]))
def lottery_job(session, params: dict[str, Any], progress) -> dict[str, Any]:
    """The lottery as a background job (the call page's button): one per call at once."""
    try:
        call = run_lottery(session, int(params["call_id"]), progress=progress)
    except Refused as exc:
        raise Refused(exc.message, status=409, problems=exc.problems, **exc.params) from None
    # Manual 4.4: every centre that applied is told its result, by mail (its own job:
    # a mail server that is down must not make the lottery look failed).
    jobs.enqueue("lottery_mail", {"call_id": call.id})
    return {"call": call.code, "bundle_sha256": call.lottery_bundle_sha256}


def lottery_result_text(session: Session, call: Call, centre: Centre) -> str:
    """The mail a centre gets after the lottery (manual 4.4, K-9): selected or not, for
    which clusters and categories, and where to see it."""
    won = allocations_of(session, call.id, centre.id)
    lines = [gettext("Lottery result of the call «%(call)s» for %(centre)s.", call=call.title,
                     centre=f"{centre.code} {centre.name}"), ""]
    if won:
        lines.append(gettext("Your centre was selected to carry out these training programmes:"))
        for a in won:
            area = (gettext("Prefecture %(name)s", name=a.prefecture.name_el) if a.prefecture is not None
                    else gettext("Region %(name)s", name=a.region.name_el if a.region is not None else "—"))
            lines.append(f"- {a.cluster.code} ({gettext('category')} {'ΙΙa' if a.category == 'IIa' else 'ΙΙb'}, {area})")
    else:
        lines.append(gettext("Your centre was not selected for any training programme in this call."))
    lines += ["", gettext("The result is also shown in the system under «Training programmes → Selection/allocation "
                          "of clusters».")]
    return "\n".join(lines)


def notify_lottery_results(session: Session, call_id: int, progress=None) -> int:
    """Mail the lottery result to the manager(s) of every centre with a final application
    (the centre's own address when it has no manager account). Returns the mails sent."""
    from app import mail
    from app.roles import CENTRE_MANAGER
    from models.users import AppUser as User

    progress = progress or (lambda done, total: None)
    call = session.get(Call, call_id)
    if call is None or call.lottery_run_at is None:
        return 0
    centre_ids = list(session.scalars(select(Application.centre_id).where(
        Application.call_id == call.id, Application.status == ApplicationStatus.final).order_by(Application.centre_id)))
    managers: dict[int, list[str]] = {}
    for user in session.scalars(select(User).where(User.centre_id.in_(centre_ids), User.active.is_(True))):
        if user.email and any(r.name == CENTRE_MANAGER for r in user.roles):
            managers.setdefault(int(user.centre_id), []).append(user.email)
    sent = 0
    subject = gettext("Lottery result: %(call)s", call=call.title)
    for done, centre_id in enumerate(centre_ids, 1):
        centre = session.get_one(Centre, centre_id)
        recipients = managers.get(centre_id) or ([centre.email] if centre.email else [])
        if recipients:
            mail.send_mail(", ".join(recipients), subject, lottery_result_text(session, call, centre))
            sent += 1
        progress(done, len(centre_ids))
    audit.record_action(session, "lottery_mail", call, details={"mails": sent, "centres": len(centre_ids)})
    session.commit()
    return sent


@jobs.handler("lottery_mail", label=lazy_gettext("Lottery result mails"),
              target=lambda params: ("CallView.show", {"pk": params["call_id"]}),
              describe=lambda result: gettext("%(n)s lottery result mails sent.", n=result["mails"]))
def lottery_mail_job(session: Session, params: dict[str, Any], progress) -> dict[str, Any]:
    return {"mails": notify_lottery_results(session, int(params["call_id"]), progress)}


def _store_allocation_and_bundle(session, call: Call, bundle: dict[str, Any], centres: dict[str, int]) -> str:
    """The allocation rows (bulk INSERTs, no ORM object per row) and the bundle's bytes,
    which a thread serialises meanwhile, a few pieces ahead, each stored as soon as it is
    ready (so never held whole). `centres`: code -> id of the applicants (every allocated
    centre applied). Returns the bundle's SHA-256."""
    clusters, prefectures, regions = _codes(session)
    digest = hashlib.sha256()
    parts = LotteryBundlePart.__table__
    seq = 0
    if session.get_bind().dialect.name == "postgresql" and session.scalar(text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")):
        # ≈1 MiB of JSON per part: lz4 compresses it several times faster than the default
        # pglz (issue #13); readers decompress either transparently. This transaction only.
        session.execute(text("SET LOCAL default_toast_compression = 'lz4'"))

    def store(chunks: list[bytes]) -> None:
        nonlocal seq
        for chunk in chunks:
            digest.update(chunk)
            session.execute(parts.insert().values(call_id=call.id, seq=seq, data=chunk))
            seq += 1

    pieces = _Ahead(lottery.iter_serialise(bundle, BUNDLE_PART_CHARS), ahead=4)
    try:
        allocation = bundle["allocation"]
        for start in range(0, len(allocation), ALLOCATION_CHUNK):
            _insert_allocations(session, [
                {"call_id": call.id, "round": a["round"], "position": a["position"], "centre_id": centres[a["centre"]],
                 "cluster_id": clusters[a["cluster"]], "category": a["category"],
                 "prefecture_id": prefectures[a["area"]] if a["category"] == "IIa" else None,
                 "region_id": regions[a["area"]] if a["category"] == "IIb" else None}
                for a in allocation[start:start + ALLOCATION_CHUNK]])
            store(pieces.ready())
        store(pieces.rest())
    finally:
        pieces.close()
    return digest.hexdigest()


class _Ahead:
    """The items of an iterator produced by a thread, at most `ahead` of them waiting for
    their consumer: the bundle is serialised (Python) while the database stores the
    allocation (waiting, the GIL released), and only a few pieces are held at once."""

    _END = object()

    def __init__(self, items: Iterator[Any], ahead: int) -> None:
        self._queue: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(items,), name="lottery-bundle", daemon=True)
        self._thread.start()

    def _produce(self, items: Iterator[Any]) -> None:
        try:
            for item in items:
                if not self._put((item, None)):
                    return
            self._put((self._END, None))
        except BaseException as exc:  # handed to the consumer, who raises it
            self._put((self._END, exc))

    def _put(self, entry: tuple[Any, BaseException | None]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False  # the consumer gave up

    def _take(self, block: bool) -> list[Any]:
        taken: list[Any] = []
        while True:
            try:
                item, error = self._queue.get(block=block)
            except queue.Empty:
                return taken
            if error is not None:
                raise error
            if item is self._END:
                self._stop.set()
                return taken
            taken.append(item)

    def ready(self) -> list[Any]:
        """The items produced so far, without waiting."""
        return [] if self._stop.is_set() else self._take(block=False)

    def rest(self) -> list[Any]:
        """Every item still to come (waits for the producer to finish)."""
        return [] if self._stop.is_set() else self._take(block=True)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _store_draw_positions(session, call: Call) -> None:
    """Every final application's position in the draw, in one UPDATE … FROM computed by the
    database: row_number() in the draw order of lottery.md (ticket hex ascending, then
    centre code). run_lottery checks the stored tickets against the recomputed ones in the
    same transaction (refusing, it rolls these back), so this is the bundle's order; 100,000
    parameters through a temporary table cost more (issue #13). On PostgreSQL the order is
    byte order ("C"), as Python's."""
    table = Application.__table__
    order: list[Any] = [table.c.ticket, Centre.code]
    if session.get_bind().dialect.name == "postgresql":
        order = [column.collate("C") for column in order]
    drawn = (select(table.c.id, func.row_number().over(order_by=order).label("position"))
             .join(Centre, Centre.id == table.c.centre_id)
             .where(table.c.call_id == call.id, table.c.status == ApplicationStatus.final).subquery())
    session.connection().execute(table.update().where(table.c.id == drawn.c.id)
                                 .values(draw_position=drawn.c.position))


_ALLOCATION_COLUMNS = ("call_id", "round", "position", "centre_id", "cluster_id", "category", "prefecture_id", "region_id")


def _insert_allocations(session, rows: list[dict[str, Any]]) -> None:
    # No ORM objects, no per-row audit entry (the run's one audit entry carries the
    # bundle's hash, which fixes every row). On PostgreSQL one COPY per batch, in this
    # transaction: psycopg's executemany sent one INSERT per row (9 s of a 100,000-
    # application run under load, issue #13).
    connection = session.connection()
    table = LotteryAllocation.__table__.name
    if connection.dialect.name == "sqlite":
        # One statement over a JSON array, in array order (ids in allocation order): the
        # bundle is serialised in a thread meanwhile, and a row-by-row executemany handed
        # the GIL back and forth 5,000 times a batch (4× slower than alone, issue #13).
        connection.execute(text(
            f"INSERT INTO {table} ({', '.join(_ALLOCATION_COLUMNS)}) SELECT "
            + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(_ALLOCATION_COLUMNS)))
            + " FROM json_each(:rows) ORDER BY key"),
            {"rows": json.dumps([[row[column] for column in _ALLOCATION_COLUMNS] for row in rows])})
        return
    if connection.dialect.name != "postgresql":
        session.execute(LotteryAllocation.__table__.insert(), rows)
        return
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(_ALLOCATION_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in _ALLOCATION_COLUMNS])


BUNDLE_PART_CHARS = 1 << 20  # about 1 MiB per stored piece of the bundle


def bundle_chunks(session, call: Call) -> Iterator[bytes]:
    """The published bundle, byte for byte, piece by piece (for streaming downloads)."""
    if not call.lottery_run_at or not call.lottery_bundle_sha256:
        refuse(_l("The lottery of %(call)s has not run yet."), call=call.code)
    call_id = call.id

    def parts():  # the cursor opens when the response starts streaming, not before
        yield from (data for (data,) in session.execute(
            select(LotteryBundlePart.data).where(LotteryBundlePart.call_id == call_id)
            .order_by(LotteryBundlePart.seq).execution_options(yield_per=2)).tuples())

    return parts()


def bundle_bytes(session, call: Call) -> bytes:
    """The whole bundle at once (small calls, tests); downloads use bundle_chunks."""
    return b"".join(bundle_chunks(session, call))


def allocations_of(session, call_id: int, centre_id: int) -> list[LotteryAllocation]:
    return list(session.scalars(
        select(LotteryAllocation).where(LotteryAllocation.call_id == call_id, LotteryAllocation.centre_id == centre_id)
        .order_by(LotteryAllocation.round)))


# --- CLI: flask lottery run|export CODE ----------------------------------------------------
lottery_cli = AppGroup("lottery", help="The lottery of a call (KSE-LOTTERY-v1, see shared/lottery.md).")


def _call_by_code(session, code: str) -> Call:
    call = session.scalar(select(Call).where(Call.code == code))
    if call is None:
        raise click.ClickException(f"no call with code {code!r}")
    return call


def _cli_text(exc: Refused) -> str:
    """The operator's console reads the English text (as the rest of the CLI)."""
    return "; ".join(p.message % p.params if p.params else p.message for p in exc.problems) or exc.text()


@lottery_cli.command("run")
@click.argument("code")
def lottery_run_command(code: str):
    """Run the lottery of call CODE (once, after its close date)."""
    session = current_app.extensions["appbuilder"].session
    token = audit.system_actor.set("cli:lottery")
    try:
        call = _call_by_code(session, code)
        call = run_lottery(session, call.id)
    except Refused as exc:
        raise click.ClickException(_cli_text(exc)) from None
    finally:
        audit.system_actor.reset(token)
    allocated = session.scalar(select(LotteryAllocation.id).where(LotteryAllocation.call_id == call.id).limit(1))
    click.echo(f"lottery of {call.code} done: bundle sha256 {call.lottery_bundle_sha256}"
               f"{'' if allocated else ' (nothing allocated)'}")
    click.echo(f"export it with: flask lottery export {call.code} > bundle.json")
    # The result mails are their own job, as from the call page: at 100,000 centres mailing
    # inline outlasted the lottery many times over (issue #13); a worker sends them.
    mailing = jobs.enqueue("lottery_mail", {"call_id": call.id})
    click.echo(f"lottery result mails: job {mailing.id} ({mailing.state.value})")


@lottery_cli.command("export")
@click.argument("code")
def lottery_export_command(code: str):
    """Print the published bundle of call CODE to stdout, byte for byte."""
    session = current_app.extensions["appbuilder"].session
    call = _call_by_code(session, code)
    try:
        chunks = bundle_chunks(session, call)
    except Refused as exc:
        raise click.ClickException(_cli_text(exc)) from None
    for chunk in chunks:
        sys.stdout.buffer.write(chunk)
    sys.stdout.buffer.flush()




def _immutable(mapper, connection, target: Call) -> None:
    """lottery.md: the commitment never changes; the code (part of every ticket and of
    the sealed secret) neither; a published result is never replaced."""
    state: InstanceState[Call] = inspect(target)
    for key in ("code", "lottery_commitment", "lottery_secret_sealed", "lottery_bundle_sha256",
                "lottery_run_at"):
        history = state.attrs[key].history
        if history.deleted and history.deleted[0] is not None and history.added and history.added[0] != history.deleted[0]:
            raise ValueError(f"call {target.code}: {key} cannot be changed once set")


event.listen(Call, "before_update", _immutable)


def _bundle_is_final(mapper, connection, target) -> None:
    raise ValueError(f"call {target.call_id}: a published lottery bundle cannot be changed")


event.listen(LotteryBundlePart, "before_update", _bundle_is_final)
event.listen(LotteryBundlePart, "before_delete", _bundle_is_final)
