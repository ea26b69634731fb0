"""Entry point for `flask …` (found automatically from the repo root) and gunicorn."""
import sys

from app.factory import create_app, headless_command

app = create_app(views=not headless_command(sys.argv))
