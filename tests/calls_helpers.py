"""Shared helpers of the calls tests (K-4…K-9): build calls, applications and read PDFs."""
from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import func, select

DECLARATIONS = "Δήλωση πρώτη: πληρούμε τις προδιαγραφές.\nΔήλωση δεύτερη: αποδεχόμαστε τους όρους."


def make_call(session, code, *, opens, closes, secret=None, required=13, cap=1, declarations=DECLARATIONS):
    from app import calls as service
    from models.calls import Call, TrainingPeriod

    period = session.scalar(select(TrainingPeriod).order_by(TrainingPeriod.id))
    call = Call(code=code, title=f"Πρόσκληση {code}", training_period_id=period.id, opens_at=opens, closes_at=closes,
                required_clusters=required, max_programmes_per_centre=cap, declarations=declarations)
    if secret:
        service.set_secret(call, secret)
    session.add(call)
    session.commit()
    return call


def now_local():
    """The calls' wall clock (the default LOCAL_TIMEZONE), usable outside an app context."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Athens")).replace(tzinfo=None, microsecond=0)


def closed_window():
    now = now_local()
    return {"opens": now - dt.timedelta(days=20), "closes": now - dt.timedelta(days=1)}


def cluster_ids(session) -> list[int]:
    from models.reference import Cluster

    return list(session.scalars(select(Cluster.id).order_by(Cluster.position)))


def rank_form(ids, declarations=10, **extra) -> dict:
    form = {f"rank_{cid}": str(i) for i, cid in enumerate(ids, start=1)}
    form.update({f"declaration_{i}": "1" for i in range(declarations)})
    form.update(extra)
    return form


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def version_of(html: str) -> str:
    match = re.search(r'id="final-form".*?name="version" value="([^"]*)"', html, re.S)
    assert match, "no final-submission form on the page"
    return match.group(1)
