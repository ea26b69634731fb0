"""E-9: the demo body's request gives a nominal table whose order this test recomputes
from the stored rows in plain Python (independently of the service's SQL and of
app.rules.committee), plus the auxiliary table, the PDF and the CSV."""
import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from app import committee as service
from app.errors import Refused
from models.committee import ScoreKind, SelectionRequest, SelectionRun
from tests.evaluators_helpers import report_via_job


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app.appbuilder.session


def demo_request(session) -> SelectionRequest:
    return session.scalars(select(SelectionRequest).order_by(SelectionRequest.id)).first()


def expected_order(session, req_id: int, seed: str):
    """The nominal table recomputed by hand from raw rows (plain SQL reads, Python ranking)."""
    req = session.execute(text("SELECT body_id, operational_programme_id, min_score, score_kind, criteria "
                               "FROM selection_request WHERE id = :id"), {"id": req_id}).one()
    import json
    criteria = req.criteria if isinstance(req.criteria, list) else json.loads(req.criteria)
    column = "entry_score" if req.score_kind == "entry" else "ranking_score"
    people = session.execute(text(f"SELECT id, status, level, {column} AS score FROM evaluator "
                                  "WHERE status IN ('enrolled', 'inactive')")).all()
    held = {}
    for ev_id, kind, f, g, r in session.execute(text(
            "SELECT evaluator_id, kind, thematic_field_id, target_group_id, region_id FROM recognition "
            "WHERE replaced_at IS NULL")):
        held.setdefault(ev_id, set()).add((kind, f or g or r))
    blocked = {ev_id for (ev_id,) in session.execute(text(
        "SELECT evaluator_id FROM evaluator_relation WHERE (kind IN ('service_head', 'service_staff') AND "
        "operational_programme_id = :p) OR (kind = 'body' AND body_id = :b)"),
        {"p": req.operational_programme_id, "b": req.body_id})}
    latest = [run_id for (run_id,) in session.execute(text(
        "SELECT MAX(id) FROM selection_run WHERE request_id <> :r GROUP BY request_id"), {"r": req_id})]
    past = {}
    for ev_id, run_id, selected in session.execute(text("SELECT evaluator_id, run_id, selected FROM selection_result")):
        if selected and run_id in latest:
            past[ev_id] = past.get(ev_id, 0) + 1
    rows, excluded = [], set()
    for ev_id, status, level, score in people:
        score = Decimal(str(score)) if score is not None else None
        if req.min_score is not None and (score is None or score < Decimal(str(req.min_score))):
            continue
        met = [(c["kind"], c["id"]) in held.get(ev_id, set()) for c in criteria]
        if criteria and not any(met):
            continue
        if status != "enrolled" or level == "C" or ev_id in blocked:
            excluded.add(ev_id)
            continue
        draw = hashlib.sha256(f"{seed}:{ev_id}".encode()).hexdigest()
        rows.append((ev_id, met, score, past.get(ev_id, 0), draw))
    # Lexicographic: the first criterion decides, then the second, …; then the score
    # (higher first), then fewer past selections, then the draw.
    rows.sort(key=lambda r: r[4])
    rows.sort(key=lambda r: r[3])
    rows.sort(key=lambda r: r[2] if r[2] is not None else Decimal(-1), reverse=True)
    for position in reversed(range(len(criteria))):
        rows.sort(key=lambda r: r[1][position], reverse=True)  # stable sorts, least significant first
    return [r[0] for r in rows], excluded


def test_e9_demo_selection_order_recomputed_independently(ctx):
    req = demo_request(ctx)
    assert req is not None and len(req.criteria) == 3
    run = service.run_selection(ctx, req, None, seed="demo-seed")
    stored = [r.evaluator_id for r in run.results]
    order, excluded = expected_order(ctx, req.id, "demo-seed")
    assert stored == order and len(stored) >= 2  # a real table, not an empty one
    assert [r.rank for r in run.results] == list(range(1, len(stored) + 1))
    assert [r.selected for r in run.results] == [i < req.wanted for i in range(len(stored))]
    assert {x.evaluator_id for x in run.exclusions} == excluded
    reasons = {x.reasons for x in run.exclusions}
    assert "special_service" in reasons and "body_relation" in reasons and "inactive" in reasons
    # the same criteria without a minimum score and on ΒΚ: a longer table, same check
    wider = service.create_request(ctx, body_id=req.body_id, subject="Χωρίς ελάχιστο βαθμό",
                                   operational_programme_id=req.operational_programme_id, criteria=req.criteria,
                                   wanted=2, deadline=req.deadline, filed_on=req.filed_on,
                                   score_kind=ScoreKind.ranking)
    run = service.run_selection(ctx, wider, None, seed="wider")
    stored = [r.evaluator_id for r in run.results]
    assert stored == expected_order(ctx, wider.id, "wider")[0] and len(stored) >= 4


def test_e9_rerun_needs_a_reason_keeps_the_old_run_and_rotation_counts(ctx):
    req = demo_request(ctx)
    first = service.run_selection(ctx, req, None, seed="a")
    with pytest.raises(Refused):
        service.run_selection(ctx, req, None, seed="b")
    second = service.run_selection(ctx, req, None, seed="a", reason="διόρθωση κριτηρίων")
    assert ctx.scalar(select(SelectionRun.id).where(SelectionRun.id == first.id)) == first.id
    # the request's own earlier run does not count for its own rotation: same seed, same table
    assert [r.evaluator_id for r in second.results] == [r.evaluator_id for r in first.results]
    # another request: those selected before now have one past selection each (the
    # re-run replaced the first run, it does not count twice)
    other = service.create_request(ctx, body_id=req.body_id, subject="Δεύτερο αίτημα",
                                   operational_programme_id=req.operational_programme_id, criteria=req.criteria,
                                   wanted=2, deadline=req.deadline, filed_on=req.filed_on, min_score=req.min_score)
    run = service.run_selection(ctx, other, None, seed="c")
    chosen = {r.evaluator_id for r in first.results if r.selected}
    assert chosen and all(r.past_selections == 1 for r in run.results if r.evaluator_id in chosen)
    assert all(r.past_selections == 0 for r in run.results if r.evaluator_id not in chosen)
    assert [r.evaluator_id for r in run.results] == expected_order(ctx, other.id, "c")[0]


@pytest.mark.parametrize("change, field", [
    ({"wanted": 0}, "wanted"), ({"min_score": Decimal("100.01")}, "min_score"),
    ({"deadline": dt.date(2000, 1, 1)}, "deadline"), ({"criteria": [{"kind": "field", "id": 99999}]}, "criteria"),
    ({"criteria": [{"kind": "field", "id": 1}, {"kind": "field", "id": 1}]}, "criteria"), ({"subject": " "}, "subject"),
])
def test_e9_bad_requests_are_refused_and_change_nothing(ctx, change, field):
    req = demo_request(ctx)
    before = ctx.scalar(select(SelectionRequest.id).order_by(SelectionRequest.id.desc()).limit(1))
    args = dict(body_id=req.body_id, subject="Χ", operational_programme_id=req.operational_programme_id,
                criteria=[], wanted=1, deadline=req.deadline, filed_on=req.filed_on)
    args.update(change)
    with pytest.raises(Refused) as exc:
        service.create_request(ctx, **args)
    assert exc.value.field == field
    ctx.rollback()
    assert ctx.scalar(select(SelectionRequest.id).order_by(SelectionRequest.id.desc()).limit(1)) == before


def test_e9_pdf_and_csv_over_http(app, login):
    with app.app_context():
        session = app.appbuilder.session
        req = demo_request(session)
        run = service.run_selection(session, req, None, seed="http")
        first = run.results[0].evaluator.registry_no
        req_id = req.id
    committee = login("committee")
    page = committee.get(f"/selectionrequestview/show/{req_id}").get_data(as_text=True)
    assert first in page and "Ονομαστικός πίνακας" in page
    response = committee.get(f"/selectionrequestview/csv/{req_id}")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Σειρά" and rows[1][1] == first
    # numbers machine-readable (decimal point), empty cells empty, Ναι/Όχι
    assert all(r[3] == "" or Decimal(r[3]) >= 0 for r in rows[1:]) and "—" not in {c for r in rows for c in r}
    assert {r[6] for r in rows[1:]} <= {"Ναι", "Όχι"}
    aux = committee.get(f"/selectionrequestview/csv/{req_id}?table=auxiliary").data.decode("utf-8-sig")
    assert "Ανενεργός" in aux
    # the PDF is a background job: the complete nominal table, every ranked evaluator
    job_id, _page, pdf = report_via_job(committee, f"/selectionrequestview/pdf/{req_id}",
                                        page=f"/selectionrequestview/show/{req_id}")
    text_ = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Ονομαστικός πίνακας" in text_ and first in text_ and "http" in text_
    assert all(row[1] in text_ for row in rows[1:])  # selected and not selected alike
    # an evaluator and a grader reach none of it
    for user in ("evaluator1", "grader"):
        client = login(user)
        for url in (f"/selectionrequestview/show/{req_id}", f"/selectionrequestview/csv/{req_id}",
                    f"/jobs/{job_id}/download"):
            assert client.get(url).status_code in (403, 404), (user, url)
        assert client.post_form(f"/selectionrequestview/pdf/{req_id}", {}).status_code in (403, 404)
