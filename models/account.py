"""Accounts: single-use password-reset links of credential recovery (K-10)."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.mixins import Audited, SystemRecord, large, utcnow


class PasswordResetToken(Audited, SystemRecord, Model):
    """A single-use, expiring password-reset link. Only the SHA-256 of the token is
    stored; the token itself exists only in the e-mail."""

    __tablename__ = "password_reset_token"
    __audit_secret__ = frozenset({"token_hash"})
    __table_args__ = (UniqueConstraint("token_hash", name="uq_password_reset_token_hash"),
                      large("a row per credential recovery of any account"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    requested_ip: Mapped[str | None] = mapped_column(String(45))
