"""`fazhan serve` in a real process on a loopback port: it refuses a public or test key, and with real keys
serves the login page (hashed static files) and /healthz over real HTTP, logging to rotating files."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fazhan.core.keys import KEY_NAMES, PUBLIC_DEFAULTS
from tests.fresh import REPO, run_fazhan

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def real_keys_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """An install's environment: no test keys, a key file `fazhan` writes with random keys on first run."""
    return {
        "FAZHAN_TEST_KEYS": "0",
        "FAZHAN_KEY_FILE": str(tmp_path / "keys.json"),
        **dict.fromkeys(KEY_NAMES, ""),
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "STATIC_ROOT": str(tmp_path.parent / "served-static"),  # shared by the tests here: collected once
        "FAZHAN_STATIC_COMPRESS": "false",
        "FAZHAN_LOG_DIR": str(tmp_path / "logs"),
    }


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Served:
    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-c", "from fazhan.cli import main; main()"]
        args = ["serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "2"]
        full = {**os.environ, "DJANGO_SETTINGS_MODULE": "fazhan.settings", **env}
        self.process = subprocess.Popen(
            [*command, *args], cwd=REPO, env=full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def wait(self, within: float = 120) -> None:
        end = time.monotonic() + within
        while time.monotonic() < end:
            if self.process.poll() is not None:
                pytest.fail(
                    f"fazhan serve ended: {self.process.stdout.read() if self.process.stdout else ''}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.3)
        pytest.fail("fazhan serve did not listen in time")

    def stop(self) -> str:
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out


def test_serve_refuses_a_public_secret_key_and_worker_the_tests_keys_naming_them(fresh_database, tmp_path):
    env = {**real_keys_env(tmp_path, fresh_database), "SECRET_KEY": next(iter(PUBLIC_DEFAULTS))}
    done = run_fazhan(["serve"], env)
    assert done.returncode != 0, done.stderr
    refusal = done.stderr.splitlines()[-2:]
    assert "fazhan serve 拒绝启动" in refusal[0]
    assert "fazhan serve refuses to start" in refusal[1]
    assert all("SECRET_KEY" in line for line in refusal)
    assert "FAZHAN_ID_CIPHER_KEY" not in done.stderr  # the key file holds random ones now
    assert json.loads((tmp_path / "keys.json").read_text())["FAZHAN_ID_CIPHER_KEY"]

    done = run_fazhan(["worker"], {"DATABASE_URL": fresh_database})  # the tests' fixed keys
    assert done.returncode != 0
    assert "fazhan worker 拒绝启动" in done.stderr
    assert "refuses to start" in done.stderr
    for name in KEY_NAMES:
        assert name in done.stderr


def test_serve_with_real_keys_serves_the_login_page_and_healthz_and_logs_to_files(fresh_database, tmp_path):
    served = Served(real_keys_env(tmp_path, fresh_database))
    try:
        served.wait()
        status, body = get(served.url + "/healthz")
        assert status == 200
        assert json.loads(body)["ok"] is True
        assert json.loads(body)["database"] in {"sqlite", "postgresql"}
        status, page = get(served.url + "/accounts/login/")
        assert status == 200
        html = page.decode()
        assert "登录" in html
        css = html.split('href="/static/fazhan/app.', 1)[1].split('"', 1)[0]
        assert re.fullmatch(r"[0-9a-f]{12}\.css", css)  # app.<hash>.css: the manifest's hashed name
        status, _ = get(f"{served.url}/static/fazhan/app.{css}")
        assert status == 200
    finally:
        out = served.stop()
    logs = tmp_path / "logs"
    assert "/healthz" in (logs / "access.log").read_text(), out
    assert "Booting worker" in (logs / "server.log").read_text()


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path):
    # A PostgreSQL on a port nothing listens on: the server starts (it needs no database), the check fails.
    dead = f"postgres://fazhan@127.0.0.1:{free_port()}/nothing"
    served = Served(real_keys_env(tmp_path, dead))
    try:
        served.wait()
        status, body = get(served.url + "/healthz")
    finally:
        served.stop()
    assert status == 503
    assert json.loads(body)["ok"] is False
