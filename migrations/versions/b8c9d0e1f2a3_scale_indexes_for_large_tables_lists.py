"""scale: an index for every sort and filter a list offers on a large table

Issue #13: the lists of tables that grow with the country (users, staff, rooms,
workstations, applications, the evaluator's file rows, the audit, jobs…) sort and filter
on indexed columns only (tests/test_scale_indexes.py). A sort index carries the key after
the column: FAB orders ties by it, so a page comes from the index alone.

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-11-26
"""
from alembic import op

revision = 'b8c9d0e1f2a3'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None

SORTED = {  # table: columns a list sorts on (index: column, id)
    "ab_user": ("first_name", "last_name"),
    "audit_entry": ("username",),
    "call_application": ("random_number", "submitted_at"),
    "evaluation_report": ("reference",),
    "evaluator_field_preference": ("priority",),
    "evaluator_group_preference": ("priority",),
    "evaluator_region_preference": ("priority",),
    "evaluator_status_change": ("changed_at",),
    "level_decision": ("confirmed_at", "total_points"),
    "modification_request": ("filed_at",),
    "report_mark": ("code",),
    "room": ("code", "name"),
    "selection_request": ("deadline",),
    "staff_member": ("afm", "first_name", "last_name"),
    "staff_submission": ("submitted_at",),
    "supporting_document": ("uploaded_at",),
    "teacher_council_minutes": ("uploaded_at",),
    "workstation": ("inventory_code",),
}
FILTERED = {  # table: columns a list filters on (index: column)
    "ab_user_role": ("role_id",),
    "centre": ("email",),
    "job": ("actor_name",),
    "selection_request": ("operational_programme_id",),
    "staff_member": ("teacher_registry_no",),
}


def _indexes():
    for table, columns in SORTED.items():
        for column in columns:
            yield f"ix_{table}_{column}", table, [column, "id"]
    for table, columns in FILTERED.items():
        for column in columns:
            yield f"ix_{table}_{column}", table, [column]


def upgrade():
    for name, table, columns in _indexes():
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(list(_indexes())):
        op.drop_index(name, table_name=table)
