"""Role home pages: each role lands on what it must do next.

Panels are plain dicts (`Panel`): `title`, `text`, optional `url`, `count`, `items` (list of
(text, url or None)). Each area's service module may define
`home_summary(session, user) -> list[Panel]`; the modules listed in AREA_MODULES that exist
are asked in order (so an area that merges later appears without touching this file), then
this module adds the panels of the roles it owns: the centre manager's centre state, the
help desk's search, the Admin's system state.
"""
from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterable
from typing import Any, NotRequired, Protocol, TypedDict, TypeVar

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from app import access, formatting
from app.roles import ADMIN, CENTRE_MANAGER, HELPDESK
from models.users import AppUser

log = logging.getLogger(__name__)
AREA_MODULES = ("app.centres", "app.calls", "app.evaluators", "app.committee", "app.evaluation", "app.jobs")
SEARCH_LIMIT = 10

Item = tuple[str, str | None]  # (text, url or None)


class _Found(Protocol):
    @property
    def id(self) -> int: ...


Found = TypeVar("Found", bound=_Found)


class Panel(TypedDict):
    title: str  # translated, possibly lazily
    text: NotRequired[str | None]
    id: NotRequired[str]
    url: NotRequired[str | None]
    count: NotRequired[int]
    items: NotRequired[list[Item]]


def link(endpoint: str, **values: Any) -> str | None:  # url_for's values: any type it converts
    """URL of an endpoint, or None while the view is not registered (areas merge later)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _area_panels(session: Session, user: AppUser) -> list[Panel]:
    panels: list[Panel] = []
    for name in AREA_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                continue
        except ModuleNotFoundError:
            continue
        summary = getattr(importlib.import_module(name), "home_summary", None)
        if summary is not None:
            panels.extend(summary(session, user) or [])
    return panels


def home_summary(session: Session, user: AppUser) -> list[Panel]:
    roles = access.role_names(user)
    panels: list[Panel] = []
    if CENTRE_MANAGER in roles and ADMIN not in roles:
        panels.extend(manager_panels(session, user))
    if ADMIN in roles:
        panels.extend(admin_panels(session))
    panels.extend(_area_panels(session, user))
    return panels


# --- centre manager ------------------------------------------------------------------------


def manager_panels(session: Session, user: AppUser) -> list[Panel]:
    from app.calls import allocations_of, application_for, phase_of
    from app.centres import current_minutes, current_staff_period, latest_submission
    from app.clock import local_now
    from models.calls import Call
    from models.centres import Centre, Room, Workstation

    centre_id = access.managed_centre_id(user)
    centre = session.get(Centre, centre_id) if centre_id else None
    if centre is None:
        return [{"title": gettext("Your centre"), "text": gettext("Your account is not linked to a centre yet; ask the help desk.")}]
    now = local_now()
    rooms = session.scalars(select(Room).where(Room.centre_id == centre.id)).all()
    certified_ws = session.scalar(select(func.count(Workstation.id)).join(Room).where(
        Room.centre_id == centre.id, Workstation.certified.is_(True))) or 0
    panels: list[Panel] = [{
        "title": gettext("Rooms and laboratories"), "id": "panel-rooms", "url": link("RoomView.list"),
        "count": len(rooms),
        "text": gettext("%(certified)s of %(total)s rooms certified; %(ws)s certified workstations.",
                        certified=sum(1 for r in rooms if r.certified), total=len(rooms), ws=certified_ws),
    }]

    period = current_staff_period(session, now)
    if period is None:
        staff_text = gettext("No staff window is open now; the staff list is read-only.")
    else:
        submission = latest_submission(session, centre.id, period.id)
        if submission is not None and submission.is_final:
            staff_text = gettext("Staff changes for %(period)s finally submitted on %(at)s.", period=period.name,
                                 at=formatting.format_datetime(submission.submitted_at))
        else:
            staff_text = gettext("Staff changes for %(period)s are open until %(until)s: not yet finally submitted.",
                                 period=period.name, until=formatting.format_datetime(period.staff_closes_at, wall_clock=True))
    panels.append({"title": gettext("Staff"), "id": "panel-staff", "text": staff_text,
                   "url": link("StaffFinalSubmissionView.list") or link("CoordinatorView.list")})

    if period is not None:
        minutes = current_minutes(session, centre.id, period.id)
        minutes_text = (gettext("Uploaded: %(name)s (%(at)s).", name=minutes.original_name,
                                at=formatting.format_datetime(minutes.uploaded_at))
                        if minutes else gettext("Not uploaded yet for %(period)s.", period=period.name))
        panels.append({"title": gettext("Teacher-council minutes"), "id": "panel-minutes", "text": minutes_text,
                       "url": link("MinutesView.list")})

    calls = session.scalars(select(Call).order_by(Call.opens_at.desc())).all()
    items: list[Item] = []
    for call in calls:
        phase = phase_of(call, now)
        application = application_for(session, call.id, centre.id)
        if application is None:
            state = gettext("no application")
        elif application.is_final:
            state = gettext("final submission, random number %(n)s", n=application.random_number)
        else:
            state = gettext("draft, not finally submitted")
        if call.lottery_run_at is not None:
            won = allocations_of(session, call.id, centre.id)
            result = (ngettext("lottery: %(num)s programme allocated", "lottery: %(num)s programmes allocated", len(won))
                      if won else gettext("lottery: no programme allocated"))
            items.append((f"{call.title}: {state}; {result}", link("ExpressionOfInterestView.list", call_id=call.id)))
        elif phase.value == "open":
            items.append((gettext("%(title)s – open until %(until)s: %(state)s", title=call.title,
                                  until=formatting.format_datetime(call.closes_at, wall_clock=True), state=state),
                          link("ExpressionOfInterestView.list", call_id=call.id)))
        elif application is not None:
            items.append((f"{call.title}: {state}", link("ExpressionOfInterestView.list", call_id=call.id)))
    panels.append({"title": gettext("Calls and lottery"), "id": "panel-calls", "items": items,
                   "text": None if items else gettext("No call is open for applications now."),
                   "url": link("ExpressionOfInterestView.list")})
    return panels


# --- Admin ---------------------------------------------------------------------------------


def admin_panels(session: Session) -> list[Panel]:
    from models.audit import AuditEntry
    from models.calls import Call

    since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)
    changes = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.at >= since)) or 0
    last = session.scalars(select(Call).where(Call.lottery_run_at.is_not(None))
                           .order_by(Call.lottery_run_at.desc()).limit(1)).first()
    awaiting = session.scalars(select(Call).where(Call.lottery_run_at.is_(None)).order_by(Call.closes_at)).all()
    from app.clock import local_now

    now = local_now()
    waiting = [c for c in awaiting if c.closes_at < now]
    return [
        {"title": gettext("Last lottery"), "id": "panel-lottery",
         "text": (gettext("%(call)s, run on %(at)s.", call=last.title, at=formatting.format_datetime(last.lottery_run_at))
                  if last else gettext("No lottery has been run yet.")),
         "items": [(gettext("%(call)s closed on %(at)s: lottery not run yet", call=c.title,
                            at=formatting.format_datetime(c.closes_at, wall_clock=True)),
                    link("CallView.show", pk=c.id)) for c in waiting],
         "url": link("CallView.list")},
        {"title": gettext("Audit log"), "id": "panel-audit", "count": changes,
         "text": gettext("Changes recorded in the last 24 hours."), "url": link("AuditEntryView.list")},
    ]


# --- help desk: one search box over centres, people and codes ------------------------------


def search(session: Session, query: str) -> list[Panel]:
    """Centres (code, name), users (name, user name, e-mail), evaluators (registry number,
    name, Α.Φ.Μ.) and calls (code, title) matching `query`; only for the roles that read
    every record (Admin, help desk – K-11)."""
    from flask_appbuilder.security.sqla.models import User

    from models.calls import Call
    from models.centres import Centre, StaffMember
    from models.evaluators import Evaluator

    query = (query or "").strip()
    if len(query) < 2 or not access.role_names() & {ADMIN, HELPDESK}:
        return []
    like = f"%{query}%"
    groups: list[Panel] = []

    def add(title: str, endpoint: str, rows: Iterable[Found], text: Callable[[Found], str]) -> None:
        items = [(text(r), link(endpoint, pk=r.id)) for r in rows]
        if items:
            groups.append({"title": title, "items": items})

    add(gettext("Centres"), "CentreView.show",
        session.scalars(select(Centre).where(or_(Centre.code.ilike(like), Centre.name.ilike(like)))
                        .order_by(Centre.code).limit(SEARCH_LIMIT)),
        lambda c: f"{c.code} – {c.name}")
    add(gettext("Centre staff"), "CoordinatorView.show",
        session.scalars(select(StaffMember).where(or_(StaffMember.last_name.ilike(like), StaffMember.afm.ilike(like),
                                                      StaffMember.email.ilike(like)))
                        .order_by(StaffMember.last_name).limit(SEARCH_LIMIT)),
        lambda s: f"{s.last_name} {s.first_name} – {s.centre.code}")
    add(gettext("Evaluators"), "EvaluatorView.show",
        session.scalars(select(Evaluator).where(or_(Evaluator.registry_no.ilike(like), Evaluator.last_name.ilike(like),
                                                    Evaluator.afm.ilike(like), Evaluator.email.ilike(like)))
                        .order_by(Evaluator.last_name).limit(SEARCH_LIMIT)),
        lambda e: f"{e.registry_no or '—'} – {e.last_name} {e.first_name}")
    add(gettext("Users"), "BackofficeUserDBModelView.show",
        session.scalars(select(User).where(or_(User.username.ilike(like), User.last_name.ilike(like),
                                               User.email.ilike(like)))
                        .order_by(User.username).limit(SEARCH_LIMIT)),
        lambda u: f"{u.username} – {u.first_name} {u.last_name}")
    add(gettext("Calls"), "CallView.show",
        session.scalars(select(Call).where(or_(Call.code.ilike(like), Call.title.ilike(like)))
                        .order_by(Call.opens_at.desc()).limit(SEARCH_LIMIT)),
        lambda c: f"{c.code} – {c.title}")
    return groups
