"""access: ab_user.auth_epoch – a counter that ends every session and token of a user;
one final staff submission per centre and period (review F5, F7)

Revision ID: c7a1e5d2f3b4
Revises: c7d1a0b2e3f4
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = 'c7a1e5d2f3b4'
down_revision = 'c7d1a0b2e3f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user') as batch:
        batch.add_column(sa.Column('auth_epoch', sa.Integer(), nullable=False, server_default='0'))
    op.create_index('uq_staff_submission_final', 'staff_submission', ['centre_id', 'training_period_id'], unique=True,
                    sqlite_where=sa.text('reopened_at IS NULL'), postgresql_where=sa.text('reopened_at IS NULL'))


def downgrade():
    op.drop_index('uq_staff_submission_final', table_name='staff_submission')
    with op.batch_alter_table('ab_user') as batch:
        batch.drop_column('auth_epoch')
