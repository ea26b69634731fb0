"""calls: the lottery bundle stored in parts of about 1 MiB, written as it is produced

Revision ID: d4e5f6a7b8c9
Revises: e1a2b3c4d5e6
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = 'd4e5f6a7b8c9'
down_revision = 'e1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lottery_bundle_part',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.PrimaryKeyConstraint('call_id', 'seq')
    )
    # Bundles published before: one part each, the same bytes.
    op.execute("INSERT INTO lottery_bundle_part (call_id, seq, data) "
               "SELECT id, 0, lottery_bundle FROM call WHERE lottery_bundle IS NOT NULL")
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('lottery_bundle')


def downgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lottery_bundle', sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    parts = sa.table('lottery_bundle_part', sa.column('call_id'), sa.column('seq'), sa.column('data'))
    call = sa.table('call', sa.column('id'), sa.column('lottery_bundle'))
    for (call_id,) in conn.execute(sa.select(parts.c.call_id).distinct()).all():
        data = b"".join(d for (d,) in conn.execute(sa.select(parts.c.data).where(parts.c.call_id == call_id)
                                                    .order_by(parts.c.seq)))
        conn.execute(call.update().where(call.c.id == call_id).values(lottery_bundle=data))
    op.drop_table('lottery_bundle_part')
