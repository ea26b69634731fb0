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

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: dict | None = None, timeout: float = 120) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=timeout) as response:
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
