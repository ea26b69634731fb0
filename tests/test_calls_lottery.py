"""The lottery's persistence side (K-7, K-9; ../shared/lottery.md "Atomicity",
"Determinism", step 2 and step 5): what is stored at final submission and at the run,
once, in one transaction, identical on SQLite and PostgreSQL, verifiable by the
standalone verifier. The algorithm's own invariants (capacity, non-wastefulness,
stability, chi-square uniformity, tampering) are proven on the pure module in
tests/rules/test_lottery.py; here the app's stored bundle goes through the same checks.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import Refused
from app import calls as service
from tests.calls_helpers import closed_window, count, make_call, pdf_text, rank_form, version_of

VERIFIER = Path(__file__).resolve().parent.parent / "app" / "rules" / "verify_lottery.py"
SECRET = "5ec7e7" + "0123456789abcdef" * 3 + "a1b2c3d4e5"  # 64 lowercase hex chars, fixed for the golden bundle
# SHA-256 of the bundle of `build_fixed_call` with SECRET: the same bytes on SQLite and
# PostgreSQL (the test passes on both, so both give these exact bytes).
GOLDEN_SHA256 = "4c556053af92b2053371a7225507424592bed77648e904c65857338d7dec9b8b"

# Fixed centres (code, prefecture code) and their rankings; prefectures 52, 71, 55 are in
# region 1, 91 in region 13.
CENTRES = [("TST-A", "52"), ("TST-B", "52"), ("TST-C", "71"), ("TST-D", "55"), ("TST-E", "91")]
RANKINGS = {
    "TST-A": ["Β2.1", "Β2.2", "Β2.3"],
    "TST-B": ["Β2.1", "Β2.3", "Β2.2"],
    "TST-C": ["Β2.3", "Β2.1", "Β2.2"],
    "TST-D": ["Β2.2", "Β2.1", "Β2.3"],
    "TST-E": ["Β2.1", "Β2.2", "Β2.3"],
}
CELLS = [("Β2.1", "IIa", "52", 1), ("Β2.2", "IIa", "52", 1), ("Β2.3", "IIa", "71", 2), ("Β2.1", "IIb", "1", 1),
         ("Β2.2", "IIb", "13", 0)]


def build_fixed_call(session, code="B2-LOT-TEST", secret=SECRET, cap=2):
    """A closed call with fixed inputs, its final applications stored exactly as
    `final_submit` stores them (ticket, number, prefecture, submission time)."""
    from app import calls as service
    from app.rules import lottery
    from models.calls import AnnexACell, Application, ApplicationChoice, ApplicationStatus
    from models.centres import Centre
    from models.reference import Cluster, Prefecture, Region

    call = make_call(session, code, secret=secret, cap=cap, required=3, **closed_window())
    prefs = dict(session.execute(select(Prefecture.code, Prefecture.id)).all())
    regions = dict(session.execute(select(Region.code, Region.id)).all())
    clusters = dict(session.execute(select(Cluster.code, Cluster.id)).all())
    for cluster, category, area, n in CELLS:
        session.add(AnnexACell(call_id=call.id, cluster_id=clusters[cluster], category=category, programmes=n,
                               prefecture_id=prefs[area] if category == "IIa" else None,
                               region_id=regions[area] if category == "IIb" else None))
    for i, (centre_code, pref) in enumerate(CENTRES):
        centre = session.scalar(select(Centre).where(Centre.code == centre_code))
        if centre is None:
            centre = Centre(code=centre_code, name=f"ΚΣΕ δοκιμής {centre_code}", prefecture_id=prefs[pref])
            session.add(centre)
            session.flush()
        ticket_hex, number = lottery.ticket(service.reveal_secret(call), call.code, centre_code)
        application = Application(
            call_id=call.id, centre_id=centre.id, status=ApplicationStatus.final, declarations_accepted=True,
            saved_at=dt.datetime(2026, 3, 1, 9, i), submitted_at=dt.datetime(2026, 3, 1, 10, i, 7),
            prefecture_id=centre.prefecture_id, declarations_text="Δ", ticket=ticket_hex, random_number=number)
        application.choices = [ApplicationChoice(position=p, cluster_id=clusters[c])
                               for p, c in enumerate(RANKINGS[centre_code], start=1)]
        session.add(application)
    session.commit()
    return call.id


def verify(path_or_bytes, tmp_path, *extra) -> tuple[int, str]:
    path = tmp_path / "bundle.json"
    path.write_bytes(path_or_bytes)
    done = subprocess.run([sys.executable, str(VERIFIER), str(path), *extra], capture_output=True, timeout=60, check=False)
    return done.returncode, done.stdout.decode("utf-8")


def state(session, call_id):
    from models.audit import AuditEntry
    from models.calls import Application, Call, LotteryAllocation, LotteryBundlePart

    session.expire_all()
    call = session.get(Call, call_id)
    parts = session.scalars(select(LotteryBundlePart.data).where(LotteryBundlePart.call_id == call_id)
                            .order_by(LotteryBundlePart.seq)).all()
    return {
        "run_at": call.lottery_run_at, "bundle": b"".join(parts) if parts else None, "sha": call.lottery_bundle_sha256,
        "allocations": count(session, LotteryAllocation, LotteryAllocation.call_id == call_id),
        "positions": sorted(p for p in session.scalars(select(Application.draw_position)
                                                       .where(Application.call_id == call_id)) if p is not None),
        "runs": count(session, AuditEntry, AuditEntry.action == "action:lottery_run", AuditEntry.record_id == str(call_id)),
    }


# --- run once, store everything, publish the same bytes everywhere -------------------------------
def test_run_stores_the_bundle_and_allocation_identical_on_every_database(app, tmp_path):
    """Determinism (lottery.md): the stored bundle is the pure algorithm's canonical bytes for
    the persisted inputs, the same on SQLite and PostgreSQL (golden SHA-256); the allocation
    table and draw positions mirror it; the verifier says OK and rejects one changed byte."""
    from app import calls as service
    from models.calls import Application, Call, LotteryAllocation

    with app.app_context():
        session = app.appbuilder.session
        call_id = build_fixed_call(session)
        assert state(session, call_id)["bundle"] is None
        service.run_lottery(session, call_id)
        call = session.get(Call, call_id)
        data = service.bundle_bytes(session, call)
        bundle = json.loads(data)
        assert bundle["secret"] == SECRET and bundle["commitment"] == call.lottery_commitment
        assert call.lottery_bundle_sha256 == service.lottery.bundle_sha256(data) == GOLDEN_SHA256
        stored = [(a.round, a.position, a.centre.code, a.cluster.code, a.category,
                   a.prefecture.code if a.category == "IIa" else a.region.code)
                  for a in session.scalars(select(LotteryAllocation).where(LotteryAllocation.call_id == call_id)
                                           .order_by(LotteryAllocation.id))]
        assert stored == [(a["round"], a["position"], a["centre"], a["cluster"], a["category"], a["area"])
                          for a in bundle["allocation"]]
        positions = {a.centre.code: a.draw_position for a in
                     session.scalars(select(Application).where(Application.call_id == call_id))}
        assert positions == {t["centre"]: t["position"] for t in bundle["tickets"]}
        # The published inputs are the persisted ones.
        assert [(a["centre"], a["clusters"], a["submitted_at"]) for a in bundle["applications"]] == [
            (c, RANKINGS[c], f"2026-03-01T10:0{i}:07Z") for i, (c, _p) in enumerate(CENTRES)]
        assert sorted((c["cluster"], c["category"], c["area"], c["programmes"]) for c in bundle["capacity"]) == sorted(CELLS)

    assert verify(data, tmp_path) == (0, f"OK {GOLDEN_SHA256}\n")
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    code, out = verify(bytes(flipped), tmp_path)
    assert code == 1 and out.startswith(("DIFFERENCE", "ERROR")), out


def test_rankings_are_read_in_position_order_whatever_order_the_rows_were_stored_in(app):
    """lottery.md step 5 ("ranked clusters, most preferred first"): the inputs are read as one
    aggregate per application, and neither database promises the order of an aggregate's
    rows; a ranking whose rows were stored last choice first still reads in its order."""
    from app import calls as service
    from models.calls import Application, ApplicationChoice, Call
    from models.centres import Centre

    with app.app_context():
        session = app.appbuilder.session
        call_id = build_fixed_call(session)
        application = session.scalar(select(Application).join(Centre).where(
            Application.call_id == call_id, Centre.code == "TST-C"))
        stored = [(c.position, c.cluster_id) for c in application.choices]
        application.choices = []
        session.flush()
        for position, cluster_id in reversed(stored):  # new rows, the last choice stored first
            session.add(ApplicationChoice(application_id=application.id, position=position, cluster_id=cluster_id))
            session.flush()
        session.commit()
        applications, _capacity, _stored = service.lottery_inputs(session, session.get(Call, call_id))
        assert {a.centre: list(a.clusters) for a in applications} == RANKINGS
        session.rollback()


def test_second_run_is_refused_and_duplicates_nothing(app):
    """Atomicity: the lottery runs once per call."""
    from app import calls as service

    with app.app_context():
        session = app.appbuilder.session
        call_id = build_fixed_call(session)
        service.run_lottery(session, call_id)
        first = state(session, call_id)
        with pytest.raises(Refused) as refused:
            service.run_lottery(session, call_id)
        assert "already run" in refused.value.problems[0].message
        assert state(session, call_id) == first and first["runs"] == 1 and first["allocations"] > 0


def test_crash_half_way_leaves_nothing_and_the_run_can_be_repeated(app, monkeypatch):
    """Atomicity: killed while storing (after some allocation rows are written), the run
    leaves no allocation, no bundle, no claim; run again, it gives the same result."""
    from app import calls as service

    calls = {"n": 0}
    real_insert = service._insert_allocations

    def failing_insert(session, rows):
        calls["n"] += 1
        real_insert(session, rows)  # rows reach the database (flushed) …
        if calls["n"] == 2:
            raise RuntimeError("simulated crash while storing the allocation")  # … then the process dies

    with app.app_context():
        session = app.appbuilder.session
        call_id = build_fixed_call(session)
        empty = state(session, call_id)
        monkeypatch.setattr(service, "ALLOCATION_CHUNK", 1)
        monkeypatch.setattr(service, "_insert_allocations", failing_insert)
        with pytest.raises(RuntimeError, match="simulated crash"):
            service.run_lottery(session, call_id)
        assert calls["n"] == 2
        session.remove()
    with app.app_context():  # a fresh session: what the database really holds
        session = app.appbuilder.session
        assert state(session, call_id) == empty
        monkeypatch.setattr(service, "_insert_allocations", real_insert)
        service.run_lottery(session, call_id)
        after = state(session, call_id)
        assert after["sha"] == GOLDEN_SHA256 and after["allocations"] == len(json.loads(after["bundle"])["allocation"])
        assert after["runs"] == 1


def test_run_refused_before_the_close_date_and_on_a_forged_ticket(app):
    """K-9: the lottery runs after the close date; lottery.md step 2: the tickets given at
    final submission are the ones drawn (a tampered stored ticket stops the run, nothing stored)."""
    from app import calls as service
    from models.calls import Application, Call

    with app.app_context():
        session = app.appbuilder.session
        open_id = session.scalar(select(Call.id).where(Call.code == "B2-DEMO-OPEN"))
        with pytest.raises(Refused) as refused:
            service.run_lottery(session, open_id)
        assert "only after the call has closed" in refused.value.problems[0].message
        assert state(session, open_id)["run_at"] is None

        call_id = build_fixed_call(session)
        application = session.scalar(select(Application).where(Application.call_id == call_id).limit(1))
        application.ticket = "f" * 64
        session.commit()
        with pytest.raises(Refused) as refused:
            service.run_lottery(session, call_id)
        assert "differs from the recomputed one" in refused.value.problems[0].message
        after = state(session, call_id)
        assert after["run_at"] is None and after["allocations"] == 0 and after["bundle"] is None


# --- the newcomer's path: CLI run, export, verify; results on the page -------------------------------
def test_cli_runs_the_demo_call_exports_the_exact_bundle_and_the_verifier_agrees(app, login, tmp_path):
    """`flask lottery run B2-DEMO-CLOSED`, `flask lottery export B2-DEMO-CLOSED` > file, the
    verifier prints OK; one changed byte fails it; a second run is refused; the page shows
    the bundle with its SHA-256, and each manager their result (K-9)."""
    from models.calls import Call, LotteryAllocation
    from models.centres import Centre

    runner = app.test_cli_runner()
    ran = runner.invoke(args=["lottery", "run", "B2-DEMO-CLOSED"])
    assert ran.exit_code == 0, ran.output
    exported = runner.invoke(args=["lottery", "export", "B2-DEMO-CLOSED"])
    assert exported.exit_code == 0
    data = exported.stdout_bytes
    with app.app_context():
        session = app.appbuilder.session
        call = session.scalar(select(Call).where(Call.code == "B2-DEMO-CLOSED"))
        assert data == service.bundle_bytes(session, call) and call.lottery_bundle_sha256 in ran.output
        call_id, sha = call.id, call.lottery_bundle_sha256
        mine = list(session.scalars(select(LotteryAllocation).join(Centre).where(
            LotteryAllocation.call_id == call_id, Centre.code == "KSE00001")))
        my_clusters = [a.cluster.name_el for a in mine]
    assert verify(data, tmp_path) == (0, f"OK {sha}\n")
    assert verify(data, tmp_path, sha)[0] == 0
    for offset in (10, len(data) // 3, len(data) - 2):
        changed = bytearray(data)
        changed[offset] = ord("7") if changed[offset] != ord("7") else ord("8")
        assert verify(bytes(changed), tmp_path)[0] == 1, offset
    again = runner.invoke(args=["lottery", "run", "B2-DEMO-CLOSED"])
    assert again.exit_code != 0 and "already run" in again.output

    manager = login("manager1")
    page = manager.get(f"/callview/show/{call_id}").get_data(as_text=True)
    assert sha in page and 'id="bundle-download"' in page
    assert manager.get(f"/callview/bundle/{call_id}").get_data() == data
    assert manager.get("/callview/verifier/").get_data() == VERIFIER.read_bytes()
    result = manager.get(f"/expression-of-interest/{call_id}/").get_data(as_text=True)
    if mine:
        assert 'id="lottery-selected"' in result
        for name in my_clusters:
            assert name in result
    else:
        assert 'id="lottery-not-selected"' in result


def test_demo_load_cli_gives_the_closed_call_n_final_applications(tmp_path):
    """`flask demo load --centres N`: B2-DEMO-CLOSED gets N final applications, ready to draw."""
    from flask_migrate import upgrade

    from app import audit
    from app.cli import load_reference_data
    from app.factory import create_app
    from app.roles import sync_roles
    from models.calls import Application, Call
    from tests.conftest import app_config

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    application = create_app(app_config(url, tmp_path))
    with application.app_context():
        upgrade()
        token = audit.system_actor.set("tests")
        load_reference_data(application.appbuilder.session)
        application.appbuilder.session.commit()
        sync_roles(application.appbuilder)
        audit.system_actor.reset(token)
    result = application.test_cli_runner().invoke(args=["demo", "load", "--centres", "40", "--evaluators", "3"])
    assert result.exit_code == 0, result.output
    with application.app_context():
        session = application.appbuilder.session
        call_id = session.scalar(select(Call.id).where(Call.code == "B2-DEMO-CLOSED"))
        assert count(session, Application, Application.call_id == call_id) == 40
    ran = application.test_cli_runner().invoke(args=["lottery", "run", "B2-DEMO-CLOSED"])
    assert ran.exit_code == 0, ran.output
    with application.app_context():
        application.appbuilder.session.remove()
        application.extensions["sqlalchemy"].engine.dispose()


# --- concurrency: two workers at once -------------------------------------------------------------
def _race(app, target, patch_name, monkeypatch, patch_module):
    """Run `target` in two threads that both pass the point `patch_name` before either commits."""
    barrier = threading.Barrier(2, timeout=20)
    original = getattr(patch_module, patch_name)

    def waiting(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(patch_module, patch_name, waiting)
    outcomes: list = []

    def worker():
        with app.app_context():
            try:
                outcomes.append(("ok", target(app.appbuilder.session)))
            except Exception as exc:
                outcomes.append(("refused", exc))
            finally:
                app.appbuilder.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_workers_finalising_the_same_application_give_one_ticket_and_one_a2(app, login, monkeypatch):
    """K-7: two workers submit the same draft at the same instant (both read it, both render
    the A2, then both commit): exactly one final submission, one ticket, one A2."""
    import reports.calls
    from app import calls as service
    from models.audit import AuditEntry
    from models.calls import Application, Call
    from models.centres import Centre

    manager = login("manager1")
    with app.app_context():
        session = app.appbuilder.session
        call_id = session.scalar(select(Call.id).where(Call.code == "B2-DEMO-OPEN"))
        centre_id = session.scalar(select(Centre.id).where(Centre.code == "KSE00001"))
        from models.reference import Cluster

        clusters = list(session.scalars(select(Cluster.id).order_by(Cluster.position)))
        session.remove()
    manager.post_form(f"/expression-of-interest/{call_id}/save", rank_form(clusters, version="", centre="KSE00001"))
    version = version_of(manager.get(f"/expression-of-interest/{call_id}/").get_data(as_text=True))

    def submit(session):
        call = session.get(Call, call_id)
        return service.final_submit(session, call, centre_id, version).random_number

    outcomes = _race(app, submit, "a2_pdf", monkeypatch, reports.calls)
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    refusal = next(value for kind, value in outcomes if kind == "refused")
    assert isinstance(refusal, Refused) and "another window" in refusal.problems[0].message
    with app.app_context():
        session = app.appbuilder.session
        rows = list(session.scalars(select(Application).where(Application.call_id == call_id)))
        assert len(rows) == 1 and rows[0].is_final and rows[0].a2_pdf
        assert rows[0].random_number == next(value for kind, value in outcomes if kind == "ok")
        assert count(session, AuditEntry, AuditEntry.action == "action:final_submission") == 1
        assert rows[0].random_number in pdf_text(rows[0].a2_pdf)


def test_two_workers_running_the_lottery_at_once_run_it_once(app, monkeypatch):
    """Atomicity: two operators start the run together; one draws, the other is refused."""
    from app import calls as service

    with app.app_context():
        call_id = build_fixed_call(app.appbuilder.session)
        app.appbuilder.session.remove()
    outcomes = _race(app, lambda session: service.run_lottery(session, call_id).lottery_bundle_sha256,
                     "phase_of", monkeypatch, service)
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    with app.app_context():
        after = state(app.appbuilder.session, call_id)
        assert after["runs"] == 1 and after["sha"] == GOLDEN_SHA256
        assert after["allocations"] == len(json.loads(after["bundle"])["allocation"])


def test_admin_runs_the_lottery_from_the_call_page_nobody_else_can(app, login):
    """K-9: the Admin's action (POST, CSRF) runs it once after the close date; the help desk
    and a manager are refused (K-11: the help desk never acts)."""
    with app.app_context():
        call_id = build_fixed_call(app.appbuilder.session)
        app.appbuilder.session.remove()
    url = f"/callview/action/run_lottery/{call_id}"
    for user in ("helpdesk", "manager1"):
        client = login(user)
        assert 'id="run-lottery"' not in client.get(f"/callview/show/{call_id}").get_data(as_text=True)
        assert client.post_form(url).status_code == 403
    admin = login("admin")
    assert 'id="run-lottery"' in admin.get(f"/callview/show/{call_id}").get_data(as_text=True)
    assert admin.c.post(url).status_code == 400  # no CSRF token, no run
    done = admin.post_form(url, follow_redirects=True)
    assert "Η κλήρωση διενεργήθηκε" in done.get_data(as_text=True) and GOLDEN_SHA256 in done.get_data(as_text=True)
    assert done.request.path.startswith("/jobs/")  # it ran as a background job, with its page
    with app.app_context():
        from models.jobs import Job

        (job,) = app.appbuilder.session.scalars(select(Job).where(Job.kind == "lottery")).all()
        assert job.state.value == "succeeded" and job.result["bundle_sha256"] == GOLDEN_SHA256
        assert job.params == {"call_id": call_id} and job.actor_name == "admin"
        app.appbuilder.session.remove()
    again = admin.post_form(url, follow_redirects=True)
    assert "έχει ήδη διενεργηθεί" in again.get_data(as_text=True)
    with app.app_context():
        after = state(app.appbuilder.session, call_id)
        assert after["runs"] == 1 and after["sha"] == GOLDEN_SHA256
