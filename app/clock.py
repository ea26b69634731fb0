"""The backoffice's wall clock. Windows and dates that people type (call opening and
closing, staff and minutes windows) are naive times of LOCAL_TIMEZONE (Europe/Athens);
stored instants are naive UTC. These helpers convert between the two."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("LOCAL_TIMEZONE", "Europe/Athens"))


def local_now() -> dt.datetime:
    """Now on the local wall clock, naive and to the second, like the windows typed."""
    return dt.datetime.now(local_zone()).replace(tzinfo=None, microsecond=0)


def utc_to_local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(local_zone()).replace(tzinfo=None)


def local_to_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=local_zone()).astimezone(dt.UTC).replace(tzinfo=None)
