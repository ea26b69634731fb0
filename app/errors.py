"""The one refusal type. Services raise `Refused` when a rule or the row scope says no;
one handler (app.hardening) maps it to the message and status a person sees. Messages are
lazy Greek-translatable strings without rule ids; the rule id belongs in the code comment."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol


class Refused(Exception):
    """A request the rules refuse. `message` is what the user reads (translatable, with
    `params` interpolated); `field` ties it to a form field; `status` is the HTTP status
    when it reaches the web layer unhandled (400 bad input, 403 not allowed, 404 not
    found or not yours, 409 conflict with the current state). `problems` lists several
    refusals at once (an imported file's lines: objects with `message`, `params` and an
    optional `line`), each shown on its own line; `message` is then their summary."""

    def __init__(self, message: Any, *, field: str | None = None, status: int = 400,
                 problems: Sequence[Any] = (), **params: Any) -> None:
        self.message = message
        self.params = params
        self.field = field
        self.status = status
        if isinstance(problems, str):  # a message parameter named `problems` would be split into characters
            raise TypeError("Refused(problems=...) takes a list; name the message parameter otherwise")
        self.problems = list(problems)
        super().__init__(self.text())

    @classmethod
    def of(cls, *problems: Any, status: int = 400) -> Refused:
        """One refusal for several problems (e.g. every bad line of a CSV file)."""
        summary = "; ".join(str(p.message) % p.params if p.params else str(p.message) for p in problems)
        return cls(summary, status=status, problems=problems)

    def text(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class _Session(Protocol):
    def rollback(self) -> None: ...


@contextmanager
def rollback_on_refusal(session: _Session) -> Iterator[None]:
    """Roll the unit of work back when the block refuses: FAB has already copied a form
    into its row before the pre_* hooks run, and nothing half-applied may be flushed
    later in the request."""
    try:
        yield
    except Refused:
        session.rollback()
        raise
