"""K-10 credential recovery, end to end through captured mail: the outbox folder and a
real SMTP server (aiosmtpd on 127.0.0.1). Single-use, expiring links; only a hash is
stored; the same answer whether or not the number exists; rate limited."""
import collections
import datetime as dt
import email
import email.policy
import hashlib
import re
import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from app.rules.identifiers import make_afm
from models.audit import AuditEntry
from models.account import PasswordResetToken
from models.users import AppUser
from tests.conftest import PASSWORD, Client

MANAGER1_AFM = make_afm(90000001)  # app.demo
MANAGER2_AM = "600002"
NEW_PASSWORD = "Reset-Kodikos-2027!"  # FAB complexity: Latin capitals, digits, one of !@#$&*
LINK = re.compile(r"(https?://\S+/recover/reset/(\S+))")
CSRF_META = re.compile(r'<meta name="csrf-token" content="[^"]+">')


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def ask(client, kind, number, **kwargs):
    return client.post_form("/recover/", {"kind": kind, "number": number}, page="/recover/", **kwargs)


def link_in(message) -> tuple[str, str]:
    body = message.get_body(("plain",)).get_content()
    url, token = LINK.search(body).groups()
    return url, token


def can_login(app, username, password) -> bool:
    client = Client(app.test_client())
    token = client.csrf("/login/")
    response = client.c.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    return response.status_code == 302 and "/login" not in response.headers.get("Location", "")


def test_recovery_by_afm_through_the_outbox(app, client, db_session):
    assert 'id="recover-link"' in client.get("/login/").get_data(as_text=True)
    assert "Α.Μ. Εκπαιδευτικού" in client.get("/recover/").get_data(as_text=True)
    response = ask(client, "afm", MANAGER1_AFM)
    assert response.status_code == 200 and 'id="recovery-sent"' in response.get_data(as_text=True)

    (message,) = outbox(app)
    assert message["To"] == "manager1@example.gr" and message["Subject"] == "Ανάκτηση κωδικών"
    body = message.get_body(("plain",)).get_content()
    assert "manager1" in body and "60 λεπτά" in body
    url, token = link_in(message)
    # Only the token's hash is stored.
    row = db_session.scalars(select(PasswordResetToken)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in (row.token_hash,)
    assert row.user_id == db_session.scalars(select(AppUser.id).where(AppUser.username == "manager1")).one()
    assert dt.timedelta(minutes=59) < row.expires_at - row.created_at <= dt.timedelta(hours=1)
    audit = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "action:password_reset_request")).one()
    assert token not in audit.changes and MANAGER1_AFM not in audit.changes and '"matched": true' in audit.changes
    token_audit = db_session.scalars(select(AuditEntry).where(AuditEntry.table_name == "password_reset_token")).one()
    assert row.token_hash not in token_audit.changes

    path = url.split("localhost", 1)[1]
    assert 'id="reset-form"' in client.get(path).get_data(as_text=True)
    # FAB's password complexity applies; the confirmation must match.
    html = client.post_form(path, {"password": "short", "conf_password": "short"}, page=path).get_data(as_text=True)
    assert "Πρέπει να έχει τουλάχιστον δύο κεφαλαία" in html
    html = client.post_form(path, {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD + "x"},
                            page=path).get_data(as_text=True)
    assert "Οι κωδικοί δεν ταιριάζουν." in html
    response = client.post_form(path, {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD}, page=path)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert can_login(app, "manager1", NEW_PASSWORD) and not can_login(app, "manager1", PASSWORD)
    assert db_session.scalars(select(AuditEntry).where(AuditEntry.action == "action:password_reset")).one()

    # Single use.
    again = client.post_form(path, {"password": "Other-Password-99!", "conf_password": "Other-Password-99!"},
                             page="/recover/")
    assert again.status_code == 404 and 'id="recovery-invalid"' in again.get_data(as_text=True)
    assert client.get(path).status_code == 404
    assert can_login(app, "manager1", NEW_PASSWORD)


def test_the_answer_is_the_same_whether_or_not_the_number_exists(app, client, db_session):
    """K-10: the page does not reveal whether a user matched."""
    def sent_page(kind, number):
        html = ask(client, kind, number).get_data(as_text=True)
        return CSRF_META.sub("", html)

    known = sent_page("am", MANAGER2_AM)
    unknown_afm = sent_page("afm", make_afm(12345678))
    unknown_am = sent_page("am", "999999")
    assert known == unknown_afm == unknown_am
    messages = outbox(app)
    assert [m["To"] for m in messages] == ["manager2@example.gr"]
    # An inactive user gets nothing either (and the page is the same again).
    user = db_session.scalars(select(AppUser).where(AppUser.username == "manager1")).one()
    user.active = False
    db_session.commit()
    assert sent_page("afm", MANAGER1_AFM) == known
    assert len(outbox(app)) == 1


def test_invalid_numbers_get_field_errors_and_no_mail(app, client, db_session):
    html = ask(client, "afm", "123456789").get_data(as_text=True)
    assert "Μη έγκυρος Α.Φ.Μ.: εννέα ψηφία με έγκυρο ψηφίο ελέγχου." in html and 'id="recovery-form"' in html
    html = ask(client, "am", "12ab").get_data(as_text=True)
    assert "Μη έγκυρος Α.Μ. Εκπαιδευτικού: έξι ψηφία." in html
    html = ask(client, "afm", "").get_data(as_text=True)
    assert "Το πεδίο είναι υποχρεωτικό." in html
    assert client.post("/recover/", data={"kind": "afm", "number": MANAGER1_AFM}).status_code == 400  # no CSRF
    assert outbox(app) == [] and db_session.scalars(select(PasswordResetToken)).all() == []


def test_links_expire_and_a_new_request_voids_the_old_link(app, client, db_session):
    ask(client, "afm", MANAGER1_AFM)
    ask(client, "afm", MANAGER1_AFM)
    first, second = (link_in(m)[0].split("localhost", 1)[1] for m in outbox(app))
    assert client.get(first).status_code == 404  # voided by the newer request
    assert client.get(second).status_code == 200
    for row in db_session.scalars(select(PasswordResetToken)):
        row.expires_at = dt.datetime(2000, 1, 1)
    db_session.commit()
    response = client.post_form(second, {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD}, page="/recover/")
    assert response.status_code == 404
    assert can_login(app, "manager1", PASSWORD)


@pytest.fixture
def limited_app(app_factory):
    return app_factory(RATELIMIT_ENABLED=True, RECOVERY_RATE_LIMIT="3 per minute")


def test_recovery_is_rate_limited(limited_app):
    client = Client(limited_app.test_client())
    for n in range(3):
        assert ask(client, "afm", make_afm(20000000 + n)).status_code == 200
    response = ask(client, "afm", MANAGER1_AFM)
    assert response.status_code == 429 and "Πάρα πολλές προσπάθειες" in response.get_data(as_text=True)
    assert outbox(limited_app) == []
    assert client.get("/recover/").status_code == 200  # the limit counts submissions only
    # The reset form has its own count (guessing a 256-bit token is hopeless anyway).
    resets = [client.post_form("/recover/reset/abc", {"password": "x", "conf_password": "x"}).status_code
              for _ in range(4)]
    assert resets == [404, 404, 404, 429]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_recovery_mail_over_real_smtp(app, client, smtp_server):
    handler, port = smtp_server
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      PUBLIC_BASE_URL="https://kse.example.gr")
    ask(client, "am", MANAGER2_AM)
    assert outbox(app) == []
    ((sender, recipients, raw),) = handler.messages
    assert sender == app.config["MAIL_DEFAULT_SENDER"] and recipients == ["manager2@example.gr"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Ανάκτηση κωδικών"
    url, _token = link_in(message)
    assert url.startswith("https://kse.example.gr/recover/reset/")  # never the request's Host header
    path = url.split("kse.example.gr", 1)[1]
    response = client.post_form(path, {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD}, page="/recover/")
    assert response.status_code == 302
    assert can_login(app, "manager2", NEW_PASSWORD)


def test_an_smtp_failure_does_not_change_the_answer(app, client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    response = ask(client, "afm", MANAGER1_AFM)
    assert response.status_code == 200 and 'id="recovery-sent"' in response.get_data(as_text=True)


# --- F12: the same work whether or not the identifier matches ------------------------------
def counting(monkeypatch, counts, target, name):
    """Wrap target.name with a counter that still calls the real function."""
    real = getattr(target, name)

    def wrapper(*args, **kwargs):
        counts[name] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapper)


def test_f12_unknown_identifiers_cost_the_same_work_as_known_ones(app_factory, tmp_path, monkeypatch):
    """F12: the request does the same expensive steps for a known user, an unknown number
    and an inactive user: one token and its hash, the same SQL statements, one job handed to
    the mail channel, and the same page. The mail goes out from the job (here a real SQLite
    queue, drained afterwards as a worker would), only to the known user."""
    from sqlalchemy import event

    from app import account, jobs
    from app.rules import sealing

    app = app_factory(JOBS_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    counts: collections.Counter[str] = collections.Counter()
    counting(monkeypatch, counts, account, "hash_token")
    counting(monkeypatch, counts, account, "_new_token")
    counting(monkeypatch, counts, sealing, "seal")
    counting(monkeypatch, counts, jobs, "enqueue")
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    @event.listens_for(engine, "before_cursor_execute")
    def count_sql(conn, cursor, statement, *args):
        counts["sql " + statement.split(None, 1)[0].upper()] += 1

    client = Client(app.test_client())
    client.token = client.csrf("/recover/")

    def request_work(kind, number):
        counts.clear()
        response = ask(client, kind, number)
        return response.status_code, CSRF_META.sub("", response.get_data(as_text=True)), dict(counts)

    known = request_work("afm", MANAGER1_AFM)
    unknown = request_work("afm", make_afm(12345678))
    unknown_am = request_work("am", "999999")
    with app.app_context():
        session = app.appbuilder.session
        session.scalars(select(AppUser).where(AppUser.username == "manager2")).one().active = False
        session.commit()
        session.remove()
    inactive = request_work("am", MANAGER2_AM)
    assert known[0] == 200 and 'id="recovery-sent"' in known[1]
    work = known[2]
    assert work["hash_token"] == work["_new_token"] == work["seal"] == work["enqueue"] == 1, work
    assert work["sql INSERT"] >= 2, work  # the audit entry and the job
    assert unknown == known and unknown_am == known and inactive == known
    assert outbox(app) == []  # nothing is sent inside the request

    queue = jobs.queue(app)
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
    assert [m["To"] for m in outbox(app)] == ["manager1@example.gr"]
    with app.app_context():
        session = app.appbuilder.session
        assert session.scalars(select(PasswordResetToken.user_id)).all() == [
            session.scalars(select(AppUser.id).where(AppUser.username == "manager1")).one()]
        session.remove()
    _url, token = link_in(outbox(app)[0])
    assert client.get(f"/recover/reset/{token}").status_code == 200
