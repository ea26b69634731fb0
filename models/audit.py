"""The audit log: one row per insert/update/delete of an audited record or per custom
action, written in the same transaction as the change (app.audit). Never edited."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.mixins import SystemRecord, large, sort_index, unindexed_filter, utcnow


class AuditEntry(SystemRecord, Model):
    __tablename__ = "audit_entry"
    __table_args__ = (sort_index("audit_entry", "username"), large("a row per change, export and login of every user"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: survives user deletion
    username: Mapped[str] = mapped_column(String(128), nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False,
                                        info=unindexed_filter("tens of fixed actions (insert, login, export, …)"))
    table_name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    record_id: Mapped[str | None] = mapped_column(String(64), index=True)
    changes: Mapped[str | None] = mapped_column(Text)  # JSON {field: [before, after]}
    remark: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.table_name}#{self.record_id}"
