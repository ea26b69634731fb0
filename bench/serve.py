"""gunicorn entry for the concurrency proof and the load benchmark: the app with config
overrides from $BACKOFFICE_OVERRIDES (JSON), e.g. a test database and its keys.
    BACKOFFICE_OVERRIDES='{"SQLALCHEMY_DATABASE_URI": "..."}' gunicorn -w 3 bench.serve:app"""
import json
import os

from app.factory import create_app

app = create_app(json.loads(os.environ.get("BACKOFFICE_OVERRIDES", "{}")))
