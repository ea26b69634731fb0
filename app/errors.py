"""The one refusal type. Services raise `Refused` when a rule or the row scope says no;
one handler (app.hardening) maps it to the message and status a person sees. Messages are
lazy Greek-translatable strings without rule ids; the rule id belongs in the code comment."""
from __future__ import annotations


class Refused(Exception):
    """A request the rules refuse. `message` is what the user reads (translatable, with
    `params` interpolated); `field` ties it to a form field; `status` is the HTTP status
    when it reaches the web layer unhandled (400 bad input, 403 not allowed, 404 not
    found or not yours, 409 conflict with the current state)."""

    def __init__(self, message, *, field: str | None = None, status: int = 400, **params):
        self.message = message
        self.params = params
        self.field = field
        self.status = status
        super().__init__(self.text())

    def text(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text
