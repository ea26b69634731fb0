"""`flask lottery …` starts without web views (issue #13: the views were ≈2 s of a
100,000-application run): which commands do, and that the lottery run there is the
same run — same bundle bytes, positions, allocation, audit entry and result mails —
as in the full app."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.factory import create_app, headless_command
from tests.conftest import app_config


@pytest.mark.parametrize(("argv", "headless"), [
    (["/x/.venv/bin/flask", "lottery", "run", "B2"], True),
    (["flask", "--app", "wsgi", "lottery", "export", "B2"], True),
    (["flask", "-A", "lottery", "roles", "sync"], False),  # an option's value is not the command
    (["flask", "roles", "sync"], False),
    (["flask", "jobs", "worker"], False),
    (["flask", "run"], False),
    (["flask"], False),
    (["gunicorn", "lottery"], False),
    ([], False),
])
def test_only_the_lottery_commands_start_without_views(argv, headless):
    assert headless_command(argv) is headless


def _run(application):
    from models.audit import AuditEntry
    from models.calls import Application, Call, LotteryAllocation
    from models.centres import Centre

    runner = application.test_cli_runner()
    ran = runner.invoke(args=["lottery", "run", "B2-DEMO-CLOSED"])
    assert ran.exit_code == 0, ran.output
    exported = runner.invoke(args=["lottery", "export", "B2-DEMO-CLOSED"])
    assert exported.exit_code == 0, exported.output
    with application.app_context():
        session = application.appbuilder.session
        call = session.scalar(select(Call).where(Call.code == "B2-DEMO-CLOSED"))
        positions = dict(session.execute(select(Centre.code, Application.draw_position).select_from(Application).join(Centre)
                                         .where(Application.call_id == call.id)).tuples().all())
        allocation = session.execute(select(LotteryAllocation.round, LotteryAllocation.position, Centre.code,
                                            LotteryAllocation.category).join(Centre)
                                     .where(LotteryAllocation.call_id == call.id)
                                     .order_by(LotteryAllocation.id)).tuples().all()
        actions = sorted(session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.in_(["action:lottery_run", "action:lottery_mail"]), AuditEntry.record_id == str(call.id))))
        session.remove()
    return exported.stdout_bytes, positions, allocation, actions


def test_headless_app_runs_the_same_lottery_as_the_full_app(db_template, tmp_path):
    made = []
    try:
        for views in (True, False):
            url = db_template.clone()
            made.append((create_app(app_config(url, tmp_path / str(views)), views=views), url))
        (full, _), (headless, _) = made
        assert "CallView.list" in full.view_functions and "CallView.list" not in headless.view_functions
        assert {rule.endpoint for rule in headless.url_map.iter_rules()} == {"static", "appbuilder.static", "health"}
        bundle, positions, allocation, actions = _run(full)
        assert bundle and allocation and actions == ["action:lottery_mail", "action:lottery_run"]
        assert sorted(positions.values()) == list(range(1, len(positions) + 1))
        assert _run(headless) == (bundle, positions, allocation, actions)
    finally:
        for application, url in made:
            with application.app_context():
                application.appbuilder.session.remove()
                application.extensions["sqlalchemy"].engine.dispose()
            db_template.drop(url)
