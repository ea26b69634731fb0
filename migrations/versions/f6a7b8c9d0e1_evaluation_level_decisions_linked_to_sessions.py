"""evaluation: level confirmations linked to the committee's session records

level_decision.committee_session_id → committee_session.id. A confirmation recorded
with free text is linked to the session whose date the text names (31/3/2025,
31.03.2025 or 2025-03-31) when exactly one session was held that day; its text is then
dropped. Text that names no session is kept as it was (shown where no session is linked).

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-11-26
"""
import datetime as dt
import re

from alembic import op
import sqlalchemy as sa

revision = 'f6a7b8c9d0e1'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None

DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

decision = sa.table("level_decision", sa.column("id", sa.Integer), sa.column("session_reference", sa.String),
                    sa.column("committee_session_id", sa.Integer))
committee_session = sa.table("committee_session", sa.column("id", sa.Integer), sa.column("held_on", sa.Date))


def named_days(text):
    """Every date the text names, in the forms people type."""
    parts = DAY_MONTH_YEAR.findall(text) + [(d, m, y) for y, m, d in ISO.findall(text)]
    days = set()
    for day, month, year in parts:
        try:
            days.add(dt.date(int(year), int(month), int(day)))
        except ValueError:  # 31/02/2025: names no day
            pass
    return days


def _held_on(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def upgrade():
    with op.batch_alter_table('level_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('committee_session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_level_decision_committee_session_id'), ['committee_session_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_level_decision_committee_session', 'committee_session',
                                    ['committee_session_id'], ['id'])

    conn = op.get_bind()
    sessions = {}
    for session_id, held_on in conn.execute(sa.select(committee_session.c.id, committee_session.c.held_on)):
        sessions[_held_on(held_on)] = session_id
    rows = conn.execute(sa.select(decision.c.id, decision.c.session_reference)
                        .where(decision.c.session_reference.is_not(None))).all()
    for decision_id, text in rows:
        matches = {sessions[day] for day in named_days(text) if day in sessions}
        if len(matches) == 1:
            conn.execute(decision.update().where(decision.c.id == decision_id)
                         .values(committee_session_id=matches.pop(), session_reference=None))


def downgrade():
    conn = op.get_bind()
    linked = conn.execute(
        sa.select(decision.c.id, committee_session.c.held_on)
        .join(committee_session, committee_session.c.id == decision.c.committee_session_id)
    ).all()
    for decision_id, held_on in linked:
        conn.execute(decision.update().where(decision.c.id == decision_id)
                     .values(session_reference=_held_on(held_on).strftime("%d/%m/%Y")))
    with op.batch_alter_table('level_decision', schema=None) as batch_op:
        batch_op.drop_constraint('fk_level_decision_committee_session', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_level_decision_committee_session_id'))
        batch_op.drop_column('committee_session_id')
