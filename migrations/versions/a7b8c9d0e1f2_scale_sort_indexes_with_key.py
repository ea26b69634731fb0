"""scale: the evaluator list's sort indexes carry the key (FAB's tie-breaker)

FAB orders a list by the chosen column and then by the primary key. On PostgreSQL an index
on the column alone leaves that second key to a sort of every row (page 1 of the ΒΚ list
sorted 10,000 rows of equal, empty ΒΚ; a deep page sorted them all); with the key in the
index, the order and a deep page's keys come from the index alone. SQLite's indexes hold
the key already: there the change is only the declared columns.

Revision ID: a7b8c9d0e1f2
Revises: f1a2b3c4d5e7
Create Date: 2026-11-26
"""
from alembic import op

revision = 'a7b8c9d0e1f2'
down_revision = 'f1a2b3c4d5e7'
branch_labels = None
depends_on = None

COLUMNS = ("first_name", "last_name", "entry_score", "ranking_score")


def upgrade():
    for column in COLUMNS:
        op.drop_index(f"ix_evaluator_{column}", table_name="evaluator")
        op.create_index(f"ix_evaluator_{column}", "evaluator", [column, "id"], unique=False)


def downgrade():
    for column in COLUMNS:
        op.drop_index(f"ix_evaluator_{column}", table_name="evaluator")
        op.create_index(f"ix_evaluator_{column}", "evaluator", [column], unique=False)
