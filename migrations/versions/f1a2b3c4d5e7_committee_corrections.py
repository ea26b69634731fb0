"""committee: corrections after enrolment (ΒΕ3, verified rows, decisions) as new entries

Revision ID: f1a2b3c4d5e7
Revises: f6a7b8c9d0e1
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa

revision = 'f1a2b3c4d5e7'
down_revision = "f6a7b8c9d0e1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('committee_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('interview', 'verification', 'decision', name='correction_kind', native_enum=False,
                              length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('entry_score_before', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('entry_score_after', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('corrected_at', sa.DateTime(), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('committee_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_correction_evaluator_id'), ['evaluator_id'], unique=False)


def downgrade():
    with op.batch_alter_table('committee_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_correction_evaluator_id'))
    op.drop_table('committee_correction')
