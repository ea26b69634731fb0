"""SQLAlchemy models, one module per area. Importing this package registers them all
on `flask_appbuilder.Model.metadata`, which Alembic owns."""
from models import audit, reference, users, account, centres, calls, evaluators, evaluation, jobs, committee  # noqa: F401
