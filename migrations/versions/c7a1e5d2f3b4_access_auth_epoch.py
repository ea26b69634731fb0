"""access: ab_user.auth_epoch – a counter that ends every session and token of a user

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


def downgrade():
    with op.batch_alter_table('ab_user') as batch:
        batch.drop_column('auth_epoch')
