"""evaluators: the registry file (form I.2 sections, repeatable rows, preferences, documents),
ΒΕ1/ΒΕ2/ΒΕ3, the E-7 points table, protocol counter, self-registration requests

Revision ID: 90343f00c26a
Revises: c7a1e5d2f3b4
Create Date: 2026-11-25 23:09:21.052511

"""
from alembic import op
import sqlalchemy as sa


revision = '90343f00c26a'
down_revision = 'c7a1e5d2f3b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluator_protocol_counter',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('evaluator_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('afm', sa.String(length=9), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    scoring_table = op.create_table('scoring_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_degree', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('further_degree', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('further_degree_max', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('master', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('phd', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('training', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('training_max', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('language', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('language_max', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('qualification_max', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('cofunded_per_month', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('cofunded_max', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('professional_per_month', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('professional_max', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('experience_max', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # E-7 defaults (Annex IV is missing): the Admin edits this one row.
    op.bulk_insert(scoring_table, [dict(
        id=1, first_degree=20, further_degree=5, further_degree_max=5, master=10, phd=15, training=5,
        training_max=5, language=2.5, language_max=5, qualification_max=50, cofunded_per_month=0.5,
        cofunded_max=30, professional_per_month=0.25, professional_max=20, experience_max=50)])
    op.create_table('evaluator_centre_relation',
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('centre_name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.Enum('owner', 'shareholder', 'partner', 'board_member', 'director', 'training_director', 'employee', 'external', 'other', name='centre_relation_kind', native_enum=False), nullable=False),
    sa.Column('kind_other', sa.String(length=120), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('start_month', sa.Date(), nullable=False),
    sa.Column('end_month', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluator_centre_relation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_centre_relation_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_field_preference',
    sa.Column('thematic_field_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.ForeignKeyConstraint(['thematic_field_id'], ['thematic_field.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluator_id', 'priority', name='uq_field_pref_priority'),
    sa.UniqueConstraint('evaluator_id', 'thematic_field_id', name='uq_field_pref')
    )
    with op.batch_alter_table('evaluator_field_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_field_preference_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_group_preference',
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_group.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluator_id', 'priority', name='uq_group_pref_priority'),
    sa.UniqueConstraint('evaluator_id', 'target_group_id', name='uq_group_pref')
    )
    with op.batch_alter_table('evaluator_group_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_group_preference_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_region_preference',
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluator_id', 'priority', name='uq_region_pref_priority'),
    sa.UniqueConstraint('evaluator_id', 'region_id', name='uq_region_pref')
    )
    with op.batch_alter_table('evaluator_region_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_region_preference_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('supporting_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('identity', 'degree', 'postgraduate', 'training', 'language', 'experience', 'declaration', 'other', name='document_kind', native_enum=False), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=160), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name')
    )
    with op.batch_alter_table('supporting_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supporting_document_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_cofunded_experience',
    sa.Column('employer', sa.String(length=200), nullable=False),
    sa.Column('body_kind', sa.String(length=120), nullable=True),
    sa.Column('role', sa.String(length=160), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('start_month', sa.Date(), nullable=False),
    sa.Column('end_month', sa.Date(), nullable=False),
    sa.Column('person_months', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('recoded_person_months', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('thematic_field_id', sa.Integer(), nullable=True),
    sa.Column('verification', sa.Enum('pending', 'confirmed', 'recoded', 'not_confirmed', name='verification', native_enum=False), server_default='pending', nullable=False),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['supporting_document.id'], ),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.ForeignKeyConstraint(['thematic_field_id'], ['thematic_field.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluator_cofunded_experience', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_cofunded_experience_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_cofunded_experience_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_degree',
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=True),
    sa.Column('country', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('aei', 'tei', 'foreign', name='degree_kind', native_enum=False), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('recognised', sa.Boolean(), nullable=False),
    sa.Column('thematic_field_id', sa.Integer(), nullable=True),
    sa.Column('verification', sa.Enum('pending', 'confirmed', 'recoded', 'not_confirmed', name='verification', native_enum=False), server_default='pending', nullable=False),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['supporting_document.id'], ),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.ForeignKeyConstraint(['thematic_field_id'], ['thematic_field.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluator_degree', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_degree_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_degree_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_language',
    sa.Column('language', sa.String(length=60), nullable=False),
    sa.Column('level', sa.Enum('excellent', 'good', 'fair', name='language_level', native_enum=False), nullable=False),
    sa.Column('certificate', sa.String(length=200), nullable=True),
    sa.Column('proficiency', sa.Boolean(), nullable=False),
    sa.Column('recoded_level', sa.Enum('excellent', 'good', 'fair', name='language_level', native_enum=False), nullable=True),
    sa.Column('recoded_proficiency', sa.Boolean(), nullable=True),
    sa.Column('verification', sa.Enum('pending', 'confirmed', 'recoded', 'not_confirmed', name='verification', native_enum=False), server_default='pending', nullable=False),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['supporting_document.id'], ),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluator_id', 'language', name='uq_evaluator_language')
    )
    with op.batch_alter_table('evaluator_language', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_language_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_language_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_postgraduate',
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=True),
    sa.Column('country', sa.String(length=80), nullable=False),
    sa.Column('level', sa.Enum('master', 'phd', name='postgraduate_level', native_enum=False), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('thematic_field_id', sa.Integer(), nullable=True),
    sa.Column('recoded_level', sa.Enum('master', 'phd', name='postgraduate_level', native_enum=False), nullable=True),
    sa.Column('recoded_thematic_field_id', sa.Integer(), nullable=True),
    sa.Column('verification', sa.Enum('pending', 'confirmed', 'recoded', 'not_confirmed', name='verification', native_enum=False), server_default='pending', nullable=False),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['supporting_document.id'], ),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.ForeignKeyConstraint(['recoded_thematic_field_id'], ['thematic_field.id'], ),
    sa.ForeignKeyConstraint(['thematic_field_id'], ['thematic_field.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluator_postgraduate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_postgraduate_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_postgraduate_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_professional_experience',
    sa.Column('teaching', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('employer', sa.String(length=200), nullable=False),
    sa.Column('body_kind', sa.String(length=120), nullable=True),
    sa.Column('role', sa.String(length=160), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('start_month', sa.Date(), nullable=False),
    sa.Column('end_month', sa.Date(), nullable=False),
    sa.Column('person_months', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('recoded_person_months', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('thematic_field_id', sa.Integer(), nullable=True),
    sa.Column('verification', sa.Enum('pending', 'confirmed', 'recoded', 'not_confirmed', name='verification', native_enum=False), server_default='pending', nullable=False),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['supporting_document.id'], ),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.ForeignKeyConstraint(['thematic_field_id'], ['thematic_field.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluator_professional_experience', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_professional_experience_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_professional_experience_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_status_change',
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'submitted', 'under_examination', 'enrolled', 'rejected', 'inactive', name='evaluator_status', native_enum=False), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'submitted', 'under_examination', 'enrolled', 'rejected', 'inactive', name='evaluator_status', native_enum=False), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluator_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_status_change_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluator_training',
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=True),
    sa.Column('country', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('thematic_field_id', sa.Integer(), nullable=True),
    sa.Column('recoded_hours', sa.Integer(), nullable=True),
    sa.Column('verification', sa.Enum('pending', 'confirmed', 'recoded', 'not_confirmed', name='verification', native_enum=False), server_default='pending', nullable=False),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('hours > 0', name='ck_evaluator_training_hours'),
    sa.ForeignKeyConstraint(['document_id'], ['supporting_document.id'], ),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], ),
    sa.ForeignKeyConstraint(['thematic_field_id'], ['thematic_field.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluator_training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_training_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_training_evaluator_id'), ['evaluator_id'], unique=False)

    with op.batch_alter_table('evaluator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protocol_no', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('enrolled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('id_card_no', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('home_street', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('home_number', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('home_city', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('home_postcode', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('tax_office', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('gender', sa.Enum('male', 'female', name='gender', native_enum=False), nullable=True))
        batch_op.add_column(sa.Column('mail_address', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('mail_city', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('mail_postcode', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('mail_prefecture_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fax', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('profession', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('employment_form', sa.Enum('employer', 'employee', 'self_employed', name='employment_form', native_enum=False), nullable=True))
        batch_op.add_column(sa.Column('economic_sector', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('employer_name', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('work_address', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('work_city', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('work_postcode', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('work_phone', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('work_email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('has_current_centre_relation', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('has_past_centre_relation', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('experience_relevance', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('is_general_director', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('is_ekepis_trainer', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('is_centre_relative', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('declarations_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('inactive_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('inactive_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('qualification_score', sa.Numeric(precision=5, scale=2), nullable=True))
        batch_op.add_column(sa.Column('experience_score', sa.Numeric(precision=5, scale=2), nullable=True))
        batch_op.add_column(sa.Column('interview_score', sa.Numeric(precision=5, scale=2), nullable=True))
        batch_op.alter_column('registry_no',
               existing_type=sa.VARCHAR(length=16),
               nullable=True)
        batch_op.create_index('ix_evaluator_last_first', ['last_name', 'first_name'], unique=False)
        batch_op.create_index('ix_evaluator_status_entry_score', ['status', 'entry_score'], unique=False)
        batch_op.create_unique_constraint('uq_evaluator_protocol_no', ['protocol_no'])
        batch_op.create_foreign_key('fk_evaluator_mail_prefecture', 'prefecture', ['mail_prefecture_id'], ['id'])



def downgrade():
    with op.batch_alter_table('evaluator', schema=None) as batch_op:
        batch_op.drop_constraint('fk_evaluator_mail_prefecture', type_='foreignkey')
        batch_op.drop_constraint('uq_evaluator_protocol_no', type_='unique')
        batch_op.drop_index('ix_evaluator_status_entry_score')
        batch_op.drop_index('ix_evaluator_last_first')
        batch_op.alter_column('registry_no',
               existing_type=sa.VARCHAR(length=16),
               nullable=False)
        batch_op.drop_column('interview_score')
        batch_op.drop_column('experience_score')
        batch_op.drop_column('qualification_score')
        batch_op.drop_column('inactive_reason')
        batch_op.drop_column('inactive_since')
        batch_op.drop_column('declarations_at')
        batch_op.drop_column('consent_at')
        batch_op.drop_column('is_centre_relative')
        batch_op.drop_column('is_ekepis_trainer')
        batch_op.drop_column('is_general_director')
        batch_op.drop_column('experience_relevance')
        batch_op.drop_column('has_past_centre_relation')
        batch_op.drop_column('has_current_centre_relation')
        batch_op.drop_column('work_email')
        batch_op.drop_column('work_phone')
        batch_op.drop_column('work_postcode')
        batch_op.drop_column('work_city')
        batch_op.drop_column('work_address')
        batch_op.drop_column('employer_name')
        batch_op.drop_column('economic_sector')
        batch_op.drop_column('employment_form')
        batch_op.drop_column('profession')
        batch_op.drop_column('fax')
        batch_op.drop_column('mail_prefecture_id')
        batch_op.drop_column('mail_postcode')
        batch_op.drop_column('mail_city')
        batch_op.drop_column('mail_address')
        batch_op.drop_column('gender')
        batch_op.drop_column('birth_date')
        batch_op.drop_column('tax_office')
        batch_op.drop_column('home_postcode')
        batch_op.drop_column('home_city')
        batch_op.drop_column('home_number')
        batch_op.drop_column('home_street')
        batch_op.drop_column('id_card_no')
        batch_op.drop_column('enrolled_at')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('protocol_no')

    with op.batch_alter_table('evaluator_training', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_training_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_training_document_id'))

    op.drop_table('evaluator_training')
    with op.batch_alter_table('evaluator_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_status_change_evaluator_id'))

    op.drop_table('evaluator_status_change')
    with op.batch_alter_table('evaluator_professional_experience', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_professional_experience_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_professional_experience_document_id'))

    op.drop_table('evaluator_professional_experience')
    with op.batch_alter_table('evaluator_postgraduate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_postgraduate_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_postgraduate_document_id'))

    op.drop_table('evaluator_postgraduate')
    with op.batch_alter_table('evaluator_language', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_language_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_language_document_id'))

    op.drop_table('evaluator_language')
    with op.batch_alter_table('evaluator_degree', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_degree_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_degree_document_id'))

    op.drop_table('evaluator_degree')
    with op.batch_alter_table('evaluator_cofunded_experience', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_cofunded_experience_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_cofunded_experience_document_id'))

    op.drop_table('evaluator_cofunded_experience')
    with op.batch_alter_table('supporting_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supporting_document_evaluator_id'))

    op.drop_table('supporting_document')
    with op.batch_alter_table('evaluator_region_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_region_preference_evaluator_id'))

    op.drop_table('evaluator_region_preference')
    with op.batch_alter_table('evaluator_group_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_group_preference_evaluator_id'))

    op.drop_table('evaluator_group_preference')
    with op.batch_alter_table('evaluator_field_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_field_preference_evaluator_id'))

    op.drop_table('evaluator_field_preference')
    with op.batch_alter_table('evaluator_centre_relation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_centre_relation_evaluator_id'))

    op.drop_table('evaluator_centre_relation')
    op.drop_table('scoring_table')
    op.drop_table('evaluator_registration')
    op.drop_table('evaluator_protocol_counter')
