"""K-10 credential recovery ("Ανάκτηση κωδικών"): the user types their tax number
(Α.Φ.Μ.) or teacher registry number (Α.Μ.); a matching, active user with an e-mail
receives a single-use link that expires (RECOVERY_TOKEN_TTL, default 1 h). Whether a
user matched is never shown to the requester. Only the SHA-256 of a token is stored.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app import audit, jobs, mail
from app.rules import sealing
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


def _sealing_key() -> bytes:
    return hashlib.sha256(f"kse-recovery-key|{current_app.config['SECRET_KEY']}".encode()).digest()


def _new_token() -> tuple[str, str, str]:
    """(token, its SHA-256, the token sealed for the mail job). The job's parameters are
    stored, so the token travels sealed (only SECRET_KEY opens it) and expires anyway."""
    raw = secrets.token_bytes(32)
    token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")  # = secrets.token_urlsafe(32)
    return token, hash_token(token), sealing.seal(raw, _sealing_key(), "recovery")


def request_reset(session: Session, kind: str, value: str, *, base_url: str, ip: str | None) -> None:
    """Hand a reset link for `value` to the mail job. The caller answers the same whether
    or not `value` names an active user with an e-mail.

    F12: both paths do the same work in the request: one lookup, a new token and its
    hash, one audit entry, one job for the "recovery_mail" channel. Whether a mail goes
    out is decided by the job, outside the request (in tests it runs at once)."""
    user = find_user(session, kind, value)
    user_id = user.id if user is not None and user.active and user.email else 0  # 0: no mail
    masked = "*" * max(len(value) - 3, 0) + value[-3:]
    _token, token_hash, sealed = _new_token()
    audit.record_action(session, "password_reset_request", table="ab_user", record_id=str(user_id or "") or None,
                        details={"kind": kind, "value": masked, "matched": bool(user_id)})
    session.commit()
    jobs.enqueue("recovery_mail", {"user_id": user_id,
                                   "token": sealed, "token_hash": token_hash, "at": utcnow().isoformat(),
                                   "ip": (ip or "")[:45] or None, "base_url": base_url})


def recovery_mail_job(session: Session, params: dict[str, Any], progress: jobs.Progress) -> None:
    """Store the token's hash and mail the link; for an unknown identifier (user 0) the
    same statements run on no user and the mail is built but not sent (F12)."""
    user = session.get(AppUser, params["user_id"]) if params["user_id"] else None
    matched = user is not None and user.active and bool(user.email)
    raw = sealing.unseal(params["token"], _sealing_key(), "recovery")
    token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    now = dt.datetime.fromisoformat(params["at"])
    # A new link voids the earlier ones: only the newest mail works.
    session.execute(update(PasswordResetToken)
                    .where(PasswordResetToken.user_id == (user.id if matched and user is not None else 0),
                           PasswordResetToken.used_at.is_(None))
                    .values(used_at=now))
    if matched and user is not None:
        session.add(PasswordResetToken(user_id=user.id, token_hash=params["token_hash"], created_at=now,
                                       expires_at=now + _ttl(), requested_ip=params["ip"]))
    session.commit()
    link = f"{params['base_url'].rstrip('/')}/recover/reset/{token}"
    minutes = int(_ttl().total_seconds() // 60)
    context = {"user": user if matched else AppUser(username="-", first_name="-", last_name="-"),
               "link": link, "minutes": minutes}
    message = mail.build_message(user.email if matched and user is not None else "nobody@invalid",
                                 gettext("Password recovery"),
                                 render_template("backoffice/recovery_mail.txt", **context))
    if not matched:
        return
    try:
        mail.send(message)
    except mail.MailError:
        log.exception("password-reset mail to user %s not sent", params["user_id"])


jobs.handler("recovery_mail", label=lazy_gettext("Credential recovery mail"))(recovery_mail_job)


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
