"""``make run``'s server for real: gunicorn with DEBUG off answers /healthz and serves the
static files ``collectstatic`` gathered (whitenoise), with a request id on every response."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served(tmp_path: Path, settings: Any) -> Iterator[str]:
    """gunicorn on a free port, its var/ (SQLite, secrets, static files) in a temp folder."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    # The project's own files are enough to show it; the vendored ones are many megabytes.
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["vendor"])
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "DJANGO_SETTINGS_MODULE": "shequ.config.settings",
        "SHEQU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shequ.sqlite3'}",
        "DEBUG": "0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "python:shequ.config.gunicorn", "shequ.config.wsgi"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        assert server.stderr is not None
        server.stderr.close()


def test_gunicorn_serves_the_health_check_and_collected_static_files(
    served: str, tmp_path: Path
) -> None:
    status, headers, body = _get(served + "/healthz")
    assert status == 200
    assert body == b'{"status": "ok"}'
    assert headers["Server"].startswith("gunicorn")
    assert len(headers["X-Request-ID"]) == 32

    status, headers, body = _get(served + "/static/web/shequ.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert body == (REPO / "src/shequ/web/static/web/shequ.css").read_bytes()

    # uploaded files (a project's photo) are served on a laptop with DEBUG off too
    upload = tmp_path / "media" / "projects" / "photo.txt"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"photo")
    status, _headers, body = _get(served + "/media/projects/photo.txt")
    assert (status, body) == (200, b"photo")

    # DEBUG is off: an unknown address lists no routes
    status, _headers, body = _get(served + "/consle/")
    assert status == 404
    assert b"URLconf" not in body
