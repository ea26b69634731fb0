"""calls: calls, Annex A, applications, lottery

Revision ID: ada177b3e199
Revises: 5d20f33ee6ea
Create Date: 2026-11-22 00:25:51.918405

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ada177b3e199'
# The training period belongs to the centres area (issue #3): its revision 5d20f33ee6ea is
# carried here byte for byte so both branches merge onto the same chain.
down_revision = '5d20f33ee6ea'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=250), nullable=False),
    sa.Column('training_period_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('required_clusters', sa.Integer(), nullable=False),
    sa.Column('max_programmes_per_centre', sa.Integer(), nullable=False),
    sa.Column('declarations', sa.Text(), nullable=True),
    sa.Column('lottery_commitment', sa.String(length=64), nullable=False),
    sa.Column('lottery_secret_sealed', sa.String(length=200), nullable=False),
    sa.Column('lottery_run_at', sa.DateTime(), nullable=True),
    sa.Column('lottery_bundle', sa.LargeBinary(), nullable=True),
    sa.Column('lottery_bundle_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('closes_at > opens_at', name='ck_call_dates'),
    sa.CheckConstraint('max_programmes_per_centre >= 1', name='ck_call_max_programmes'),
    sa.CheckConstraint('required_clusters >= 1', name='ck_call_required_clusters'),
    sa.ForeignKeyConstraint(['training_period_id'], ['training_period.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_training_period_id'), ['training_period_id'], unique=False)

    op.create_table('annex_a_cell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=3), nullable=False),
    sa.Column('prefecture_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('programmes', sa.Integer(), nullable=False),
    sa.CheckConstraint("(category = 'IIa' AND prefecture_id IS NOT NULL AND region_id IS NULL) OR (category = 'IIb' AND region_id IS NOT NULL AND prefecture_id IS NULL)", name='ck_annex_a_cell_area'),
    sa.CheckConstraint('programmes >= 0', name='ck_annex_a_cell_programmes'),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], ),
    sa.ForeignKeyConstraint(['prefecture_id'], ['prefecture.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'cluster_id', 'prefecture_id', name='uq_annex_a_cell_prefecture'),
    sa.UniqueConstraint('call_id', 'cluster_id', 'region_id', name='uq_annex_a_cell_region')
    )
    with op.batch_alter_table('annex_a_cell', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annex_a_cell_call_id'), ['call_id'], unique=False)

    op.create_table('call_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'final', name='application_status', native_enum=False, length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('declarations_accepted', sa.Boolean(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('prefecture_id', sa.Integer(), nullable=True),
    sa.Column('declarations_text', sa.Text(), nullable=True),
    sa.Column('ticket', sa.String(length=64), nullable=True),
    sa.Column('random_number', sa.String(length=12), nullable=True),
    sa.Column('a2_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('a2_sha256', sa.String(length=64), nullable=True),
    sa.Column('draw_position', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status <> 'final' OR (submitted_at IS NOT NULL AND ticket IS NOT NULL AND random_number IS NOT NULL AND prefecture_id IS NOT NULL)", name='ck_call_application_final'),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.ForeignKeyConstraint(['prefecture_id'], ['prefecture.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'centre_id', name='uq_call_application_centre')
    )
    with op.batch_alter_table('call_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_application_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_application_centre_id'), ['centre_id'], unique=False)

    op.create_table('lottery_allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=3), nullable=False),
    sa.Column('prefecture_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(category = 'IIa' AND prefecture_id IS NOT NULL AND region_id IS NULL) OR (category = 'IIb' AND region_id IS NOT NULL AND prefecture_id IS NULL)", name='ck_lottery_allocation_area'),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], ),
    sa.ForeignKeyConstraint(['prefecture_id'], ['prefecture.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'round', 'centre_id', name='uq_lottery_allocation_turn')
    )
    with op.batch_alter_table('lottery_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lottery_allocation_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lottery_allocation_centre_id'), ['centre_id'], unique=False)

    op.create_table('call_application_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('position >= 1', name='ck_call_application_choice_position'),
    sa.ForeignKeyConstraint(['application_id'], ['call_application.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'cluster_id', name='uq_call_application_choice_cluster'),
    sa.UniqueConstraint('application_id', 'position', name='uq_call_application_choice_position')
    )
    with op.batch_alter_table('call_application_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_application_choice_application_id'), ['application_id'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('call_application_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_application_choice_application_id'))

    op.drop_table('call_application_choice')
    with op.batch_alter_table('lottery_allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lottery_allocation_centre_id'))
        batch_op.drop_index(batch_op.f('ix_lottery_allocation_call_id'))

    op.drop_table('lottery_allocation')
    with op.batch_alter_table('call_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_application_centre_id'))
        batch_op.drop_index(batch_op.f('ix_call_application_call_id'))

    op.drop_table('call_application')
    with op.batch_alter_table('annex_a_cell', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annex_a_cell_call_id'))

    op.drop_table('annex_a_cell')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_training_period_id'))

    op.drop_table('call')
    # ### end Alembic commands ###
