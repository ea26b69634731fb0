"""scale: indexes for every sortable/filterable list column; Greek names folded for search

Evaluator list (sorted by ΒΚ/ΒΕ, surname/first name), centre list (name); the folded
surname / centre name (app.rules.search.fold) with a btree index ("starts with" as an
index range) and, on PostgreSQL, a trigram index ("contains").

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = 'e5f6a7b8c9d0'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None

FOLDED = sa.String(250).with_variant(sa.String(250, collation="C"), "postgresql")
TRIGRAM = {"evaluator": "last_name_folded", "centre": "name_folded"}


def _backfill(table_name, source, folded):
    from app.rules.search import fold

    conn = op.get_bind()
    table = sa.table(table_name, sa.column("id"), sa.column(source), sa.column(folded))
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, table.c[source]).where(table.c.id > last)
                            .order_by(table.c.id).limit(5000)).all()
        if not rows:
            break
        conn.execute(table.update().where(table.c.id == sa.bindparam("b_id")).values({folded: sa.bindparam("b_v")}),
                     [{"b_id": i, "b_v": fold(v)} for i, v in rows])
        last = rows[-1][0]


def upgrade():
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_folded', FOLDED, nullable=True))
        batch_op.create_index(batch_op.f('ix_centre_name_folded'), ['name_folded'], unique=False)
        batch_op.create_index(batch_op.f('ix_centre_name'), ['name'], unique=False)
    with op.batch_alter_table('evaluator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_name_folded', FOLDED, nullable=True))
        batch_op.create_index(batch_op.f('ix_evaluator_entry_score'), ['entry_score'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_first_name'), ['first_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_last_name'), ['last_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_last_name_folded'), ['last_name_folded'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_ranking_score'), ['ranking_score'], unique=False)
    _backfill("centre", "name", "name_folded")
    _backfill("evaluator", "last_name", "last_name_folded")
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in TRIGRAM.items():
        # Trigram (GIN) on PostgreSQL; elsewhere the same name on a plain index, as the
        # model declares it (autogenerate cannot tell a dialect-only index).
        using = f"USING gin ({column} gin_trgm_ops)" if postgresql else f"({column})"
        op.execute(f"CREATE INDEX trgm_{table}_{column} ON {table} {using}")


def downgrade():
    for table, column in TRIGRAM.items():
        op.execute(f"DROP INDEX IF EXISTS trgm_{table}_{column}")
    with op.batch_alter_table('evaluator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_ranking_score'))
        batch_op.drop_index(batch_op.f('ix_evaluator_last_name_folded'))
        batch_op.drop_index(batch_op.f('ix_evaluator_last_name'))
        batch_op.drop_index(batch_op.f('ix_evaluator_first_name'))
        batch_op.drop_index(batch_op.f('ix_evaluator_entry_score'))
        batch_op.drop_column('last_name_folded')
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_name'))
        batch_op.drop_index(batch_op.f('ix_centre_name_folded'))
        batch_op.drop_column('name_folded')
