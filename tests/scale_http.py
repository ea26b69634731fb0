"""A small real HTTP client (cookies, CSRF from the page) and a gunicorn runner, for the
concurrency proof and the load benchmark: requests go to 127.0.0.1 only, bounded."""
from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: dict | None = None, timeout: float = 120) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        url = self.base + urllib.parse.quote(path, safe="/?&=_%:.-")
        try:
            with self.opener.open(url, data=body, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def token(self, html: str) -> str:
        match = CSRF.search(html)
        return (match.group(1) or match.group(2)) if match else ""

    def login(self, username: str, password: str) -> None:
        _status, page = self.request("/login/")
        status, page = self.request("/login/", {"username": username, "password": password,
                                                "csrf_token": self.token(page)})
        assert status == 200 and 'name="password"' not in page, f"login of {username} failed ({status})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(overrides: dict, workers: int = 3, threads: int = 4):
    """gunicorn with several worker processes on 127.0.0.1, stopped afterwards."""
    port = free_port()
    env = dict(os.environ, BACKOFFICE_OVERRIDES=json.dumps(overrides))
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "--threads", str(threads), "-b",
         f"127.0.0.1:{port}", "--timeout", "120", "bench.serve:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # bounded wait for the workers to answer
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start: " + process.stderr.read1().decode())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def managers_with_drafts(app, n: int, password: str, prefix: str = "race") -> tuple[int, list[tuple[str, str]]]:
    """n centres, each with a manager account and a saved draft in the open demo call."""
    from werkzeug.security import generate_password_hash

    from models.calls import Application, ApplicationChoice, ApplicationStatus, Call
    from models.centres import Centre
    from models.mixins import utcnow
    from models.reference import Cluster, Prefecture

    with app.app_context():
        session = app.appbuilder.session
        sm = app.appbuilder.sm
        call = session.scalar(select(Call).where(Call.code == "B2-DEMO-OPEN"))
        clusters = list(session.scalars(select(Cluster.id).order_by(Cluster.position)))[:call.required_clusters]
        prefecture = session.scalar(select(Prefecture.id).order_by(Prefecture.id))
        role = sm.find_role("CentreManager")
        password = generate_password_hash(password, method="pbkdf2:sha256:1000")  # cheap: many logins
        out = []
        for i in range(n):
            code = f"{prefix.upper()}{i:04d}"
            centre = Centre(code=code, name=f"ΚΣΕ αγώνα {i}", prefecture_id=prefecture)
            session.add(centre)
            session.flush()
            session.add(sm.user_model(username=f"{prefix}{i}", first_name="Α", last_name="Β", email=f"{prefix}{i}@example.gr",
                                      active=True, roles=[role], password=password, centre_id=centre.id))
            draft = Application(call_id=call.id, centre_id=centre.id, status=ApplicationStatus.draft,
                                declarations_accepted=True, saved_at=utcnow())
            draft.choices = [ApplicationChoice(position=p, cluster_id=c) for p, c in enumerate(clusters, start=1)]
            session.add(draft)
            out.append((f"{prefix}{i}", code))
        session.commit()
        call_id = call.id
        session.remove()
    return call_id, out
