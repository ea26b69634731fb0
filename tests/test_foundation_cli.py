"""CLI from the repo root with no extra environment; reference data idempotent; demo
data deterministic."""
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.cli import load_reference_data
from models.centres import Centre
from models.reference import Cluster, Prefecture, Region

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


def test_reference_data_is_complete_and_loading_again_adds_nothing(app):
    with app.app_context():
        session = app.appbuilder.session
        assert session.query(Region).count() == 13
        assert session.query(Prefecture).count() == 51
        codes = [c for (c,) in session.execute(select(Cluster.code).order_by(Cluster.position))]
        assert codes == [f"Β2.{n}" for n in range(1, 14)]
        cluster = session.query(Cluster).filter_by(code="Β2.1").one()
        cluster.name_el = "Όνομα από τον διαχειριστή"
        session.commit()
        assert set(load_reference_data(session).values()) == {0}
        session.commit()
        assert session.query(Cluster).filter_by(code="Β2.1").one().name_el == "Όνομα από τον διαχειριστή"


def test_flask_cli_works_from_the_repo_root_and_builds_a_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "DATABASE_URL", "TEST_DATABASE_URL")}
    env["INSTANCE_PATH"] = str(tmp_path / "instance")

    def flask(*args):
        result = subprocess.run([FLASK, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    flask("db", "upgrade")
    assert "cluster +13" in flask("refdata", "load")
    assert "cluster +0" in flask("refdata", "load")
    flask("roles", "sync")
    out = flask("demo", "load", "--centres", "5", "--evaluators", "7")
    assert "5 centres, 7 evaluators" in out and "manager1" in out and "Demo-Pass-2026!" in out
    assert "already loaded" in flask("demo", "load")
    assert (tmp_path / "instance" / "secret_key").exists()  # generated once, outside git


def test_demo_data_is_deterministic(db_template, tmp_path):
    """The template was loaded with seed 7 (tests/conftest.py); a fresh database loaded
    with seed 7 again holds the same centres and evaluators."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.demo import load_demo
    from app.factory import create_app
    from app.roles import sync_roles
    from models.evaluators import Evaluator
    from tests.conftest import app_config

    def snapshot(session):
        return ([(c.code, c.name, c.address, c.prefecture.code) for c in session.query(Centre).order_by(Centre.code)],
                # Sorted in Python: drafts have no registry number, and NULLs sort first on
                # SQLite, last on PostgreSQL.
                sorted(((e.registry_no, e.last_name, e.afm, str(e.entry_score)) for e in session.query(Evaluator)),
                       key=lambda row: tuple("" if v is None else v for v in row)))

    fresh = create_app(app_config(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path))
    with fresh.app_context():
        upgrade()
        load_reference_data(fresh.appbuilder.session)
        sync_roles(fresh.appbuilder)
        load_demo(fresh.appbuilder, centres=6, evaluators=12, seed=7)
        again = snapshot(fresh.appbuilder.session)
        fresh.appbuilder.session.remove()
    engine = create_engine(db_template.url)
    with Session(engine) as session:
        original = snapshot(session)
    engine.dispose()
    # 12 registry files, the `candidate` demo account's draft and the committee demo's late application
    assert again == original and len(original[0]) == 6 and len(original[1]) == 14
