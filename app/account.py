"""K-10 credential recovery ("Ανάκτηση κωδικών"): the user types their tax number
(Α.Φ.Μ.) or teacher registry number (Α.Μ.); a matching, active user with an e-mail
receives a single-use link that expires (RECOVERY_TOKEN_TTL, default 1 h). Whether a
user matched is never shown to the requester. Only the SHA-256 of a token is stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from flask import current_app, render_template
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app import audit, mail
from models.account import PasswordResetToken
from models.mixins import utcnow
from models.users import AppUser

log = logging.getLogger(__name__)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _ttl() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config.get("RECOVERY_TOKEN_TTL", 3600)))


def find_user(session: Session, kind: str, value: str) -> AppUser | None:
    column = AppUser.afm if kind == "afm" else AppUser.teacher_registry_no
    return session.scalars(select(AppUser).where(column == value)).first()


def request_reset(session: Session, kind: str, value: str, *, base_url: str, ip: str | None) -> None:
    """Create a token and mail the link if `value` names an active user with an e-mail;
    otherwise only audit the attempt. The caller answers the same in both cases."""
    user = find_user(session, kind, value)
    masked = "*" * max(len(value) - 3, 0) + value[-3:]
    if user is None or not user.active or not user.email:
        audit.record_action(session, "password_reset_request", table="ab_user",
                            details={"kind": kind, "value": masked, "matched": False})
        session.commit()
        return
    now = utcnow()
    # A new link voids the earlier ones: only the newest mail works.
    session.execute(update(PasswordResetToken)
                    .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
                    .values(used_at=now))
    token = secrets.token_urlsafe(32)
    expires_at = now + _ttl()
    session.add(PasswordResetToken(user_id=user.id, token_hash=hash_token(token), created_at=now,
                                   expires_at=expires_at, requested_ip=(ip or "")[:45] or None))
    audit.record_action(session, "password_reset_request", table="ab_user", record_id=str(user.id),
                        details={"kind": kind, "value": masked, "matched": True})
    session.commit()
    link = f"{base_url.rstrip('/')}/recover/reset/{token}"
    minutes = int(_ttl().total_seconds() // 60)
    context = {"user": user, "link": link, "minutes": minutes}
    try:
        mail.send_mail(user.email, gettext("Password recovery"),
                       render_template("backoffice/recovery_mail.txt", **context))
    except mail.MailError:
        log.exception("password-reset mail to user %s not sent", user.id)


def valid_token(session: Session, token: str) -> PasswordResetToken | None:
    if not token or len(token) > 128:
        return None
    return session.scalars(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token),
                                         PasswordResetToken.used_at.is_(None),
                                         PasswordResetToken.expires_at > utcnow())
    ).first()


def reset_password(session: Session, token: str, password: str) -> bool:
    """Use the token once and set the new password, in one transaction. False when the
    token is unknown, used or expired (also when two requests race for it)."""
    now = utcnow()
    row = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.token_hash == hash_token(token), PasswordResetToken.used_at.is_(None),
               PasswordResetToken.expires_at > now)
        .values(used_at=now)
        .returning(PasswordResetToken.id, PasswordResetToken.user_id)
    ).first()
    if row is None:
        session.rollback()
        return False
    user = session.get(AppUser, row.user_id)
    assert user is not None  # the token's foreign key (ON DELETE CASCADE)
    config = current_app.config
    user.password = generate_password_hash(password, method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
                                           salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
    # Voids any other outstanding link of the same user.
    session.execute(update(PasswordResetToken)
                    .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
                    .values(used_at=now))
    audit.record_action(session, "password_reset", table="ab_user", record_id=str(user.id),
                        details={"token_id": row.id})
    session.commit()
    return True
