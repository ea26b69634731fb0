"""evaluator status: the registry file's whole lifecycle (draft … enrolled, rejected, inactive)

Revision ID: b1c2d3e4f5a6
Revises: 74888cd16263
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = 'b1c2d3e4f5a6'
down_revision = '74888cd16263'
branch_labels = None
depends_on = None

OLD = sa.Enum('applicant', 'active', 'inactive', name='evaluator_status', native_enum=False)
NEW = sa.Enum('draft', 'submitted', 'under_examination', 'enrolled', 'rejected', 'inactive',
              name='evaluator_status', native_enum=False)


def upgrade():
    with op.batch_alter_table('evaluator') as batch:
        batch.alter_column('status', existing_type=OLD, type_=NEW, existing_nullable=False)
    op.execute("UPDATE evaluator SET status = 'submitted' WHERE status = 'applicant'")
    op.execute("UPDATE evaluator SET status = 'enrolled' WHERE status = 'active'")


def downgrade():
    op.execute("UPDATE evaluator SET status = 'applicant' WHERE status IN ('draft', 'submitted', 'under_examination')")
    op.execute("UPDATE evaluator SET status = 'active' WHERE status = 'enrolled'")
    op.execute("UPDATE evaluator SET status = 'inactive' WHERE status = 'rejected'")
    with op.batch_alter_table('evaluator') as batch:
        batch.alter_column('status', existing_type=NEW, type_=OLD, existing_nullable=False)
