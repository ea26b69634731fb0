"""Alembic owns the whole schema: `upgrade` on an empty database gives exactly the
models (FAB's tables included); a model change without a migration fails here."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model


def test_models_and_migrations_do_not_drift(app):
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Model.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_migrations_have_a_single_head():
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
