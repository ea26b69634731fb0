"""Entry point for `flask …` (found automatically from the repo root) and gunicorn."""
from app.factory import create_app

app = create_app()
