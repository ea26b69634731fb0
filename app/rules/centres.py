"""Rules of the centres area (K-1, K-2, K-3), standard library only.

The views and app.centres feed these functions plain values read from the database
and act on the answer; nothing here touches Flask or SQLAlchemy.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

PDF_MAGIC = b"%PDF-"
TEACHER_REGISTRY_NO = re.compile(r"^[0-9]{6}$")
MAX_FILENAME = 200


def window_open(opens_at: dt.datetime | None, closes_at: dt.datetime | None, now: dt.datetime) -> bool:
    """K-2: a window is open from `opens_at` to `closes_at` inclusive; a missing end
    means the window was never opened."""
    return opens_at is not None and closes_at is not None and opens_at <= now <= closes_at


def minutes_upload_open(deadline: dt.datetime | None, now: dt.datetime) -> bool:
    """K-3 (ours): minutes are uploaded until the period's minutes deadline."""
    return deadline is not None and now <= deadline


def teacher_registry_no_is_valid(value: str | None) -> bool:
    """Α.Μ. εκπαιδευτικού: six digits."""
    return value is not None and TEACHER_REGISTRY_NO.match(value) is not None


@dataclass(frozen=True)
class StaffLine:
    """One staff member as the final-submission check sees it."""

    name: str
    confirmed_minutes_id: int | None


@dataclass(frozen=True)
class SubmissionCheck:
    """Why a staff final submission (K-2, K-3) may not go through, if it may not."""

    window_open: bool
    already_final: bool
    minutes_id: int | None
    unconfirmed: tuple[str, ...] = field(default_factory=tuple)
    staff_count: int = 0

    @property
    def ok(self) -> bool:
        return self.window_open and not self.already_final and self.minutes_id is not None and not self.unconfirmed


def check_submission(*, window_is_open: bool, already_final: bool, current_minutes_id: int | None,
                     staff: list[StaffLine]) -> SubmissionCheck:
    """K-3: every coordinator and technical manager must be confirmed against the minutes
    currently uploaded for the period (a confirmation of an earlier version, or of another
    period's minutes, does not count: the claim was about another file)."""
    unconfirmed = tuple(sorted(line.name for line in staff
                               if current_minutes_id is None or line.confirmed_minutes_id != current_minutes_id))
    return SubmissionCheck(window_open=window_is_open, already_final=already_final,
                           minutes_id=current_minutes_id, unconfirmed=unconfirmed, staff_count=len(staff))


def next_attempt(latest_attempt: int | None) -> int:
    return (latest_attempt or 0) + 1


def looks_like_pdf(head: bytes) -> bool:
    """K-3: the minutes are PDF files; the content must start with the PDF header."""
    return head.startswith(PDF_MAGIC)


def clean_filename(name: str | None, default: str = "minutes.pdf") -> str:
    """The user's file name without any directory part or control characters, Greek kept
    (NFC), at most MAX_FILENAME characters, ending in .pdf."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = default
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() != "pdf":
        stem, ext = name, "pdf"
    stem = stem[: MAX_FILENAME - 4].rstrip() or "minutes"
    return f"{stem}.{ext}"
