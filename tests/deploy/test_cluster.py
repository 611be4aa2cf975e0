"""The several-machines set-up, for real: nginx, two app servers, a worker and the scheduler
on this machine against one PostgreSQL, one Redis and one media directory (deploy/cluster.py).

Runs wherever PostgreSQL and Redis answer on 127.0.0.1 (skipped otherwise, never with
``SHEQU_REQUIRE_POSTGRES=1``). The first run builds the cluster's template database (about
50 s); later runs start in about 15 s.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import requests
from django_otp.oath import TOTP
from PIL import Image

from shequ.people.demo import DEMO_TOTP_KEY
from tests.images import jpeg

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "deploy" / "cluster.py"
STATE = Path(os.environ.get("SHEQU_CLUSTER_DIR", REPO / "var" / "cluster"))

pytestmark = pytest.mark.cluster


def _reachable() -> str | None:
    """Why the cluster cannot run here, or None."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "nginx is not installed"
    checks = {
        "PostgreSQL": ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"],
        "Redis": ["redis-cli", "-h", "127.0.0.1", "ping"],
    }
    for name, argv in checks.items():
        try:
            done = subprocess.run(argv, capture_output=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return f"{name} is not reachable"
        if done.returncode != 0:
            return f"{name} is not reachable"
    return None


def _cluster(*args: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CLUSTER), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def _shell(code: str) -> str:
    done = _cluster("manage", "--", "shell", "-c", code, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def _wuhou_project() -> str:
    """A demo project in 武侯区, where the demo officer ``district`` reports."""
    return _shell(
        "from shequ.projects.models import Project; "
        "print(Project.objects.filter(division__code__startswith='510107')"
        ".order_by('code').values_list('code', flat=True).first())"
    )


@pytest.fixture
def cluster() -> Iterator[dict[str, Any]]:
    why = _reachable()
    if why is not None:
        if os.environ.get("SHEQU_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{why} (SHEQU_REQUIRE_POSTGRES=1)")
        pytest.skip(why)
    # The first start on a new schema migrates and seeds the template database (about two and a
    # half minutes here, more beside the other tests); later starts copy it in seconds.
    started = _cluster("up", timeout=420)
    try:
        assert started.returncode == 0, (started.stdout + started.stderr)[-3000:]
        yield json.loads((STATE / "cluster.json").read_text())
    finally:
        _cluster("down", timeout=60)


def _signed_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    assert page.status_code == 200
    answer = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[-1500:]
    if "/accounts/two-factor/" in answer.headers["Location"]:
        _second_factor(session, base)
    return session


_codes_used = 0


def _second_factor(session: requests.Session, base: str) -> None:
    """Staff give the demo authenticator's code after the password (each sign-in a later
    step's code: a code once used is refused, and the server accepts one step of drift)."""
    global _codes_used
    page = session.get(f"{base}/accounts/two-factor/", timeout=10)
    # The servers' clock, not this process's: the suite may run with its clock moved ahead.
    now = parsedate_to_datetime(page.headers["Date"]).timestamp()
    totp = TOTP(bytes.fromhex(DEMO_TOTP_KEY), step=30, t0=0, digits=6, drift=0)
    totp.time = now + 30 * _codes_used
    _codes_used += 1
    answer = session.post(
        f"{base}/accounts/two-factor/",
        data={"code": f"{totp.token():06d}", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/accounts/two-factor/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[-1500:]


def test_the_cluster_shares_photos_refuses_bad_ones_and_runs_tasks_on_a_worker(
    cluster: dict[str, Any],
) -> None:
    # One test, one cluster: under pytest-xdist separate tests could start two clusters in one
    # state directory at once.
    _photo_uploaded_through_one_app_server_is_read_through_the_other(cluster)
    _file_that_is_no_photo_is_refused_and_nothing_is_added(cluster)
    _task_enqueued_by_the_web_side_is_done_by_a_worker(cluster)


def _photo_uploaded_through_one_app_server_is_read_through_the_other(
    cluster: dict[str, Any],
) -> None:
    web_a, web_b = cluster["web"]
    code = _wuhou_project()
    # Signed in on A; the session lives in the shared database, so B knows the officer too.
    officer = _signed_in(web_a, "district", cluster["demo_password"])
    upload = officer.post(
        f"{web_a}/console/projects/p/{code}/photo/",
        data={
            "phase": "during",
            "caption": "集群",
            "csrfmiddlewaretoken": officer.cookies["csrftoken"],
        },
        files={"image": ("site.jpg", jpeg(80, 60), "image/jpeg")},
        headers={"Referer": f"{web_a}/console/projects/p/{code}/"},
        allow_redirects=False,
        timeout=20,
    )
    assert upload.status_code == 302, upload.text[-1500:]

    # The public project page, served by B, shows the photo A stored.
    page = requests.get(f"{web_b}/projects/{code}/", timeout=10)
    assert page.status_code == 200
    sources = re.findall(r'src="(/media/projects/[^"]+)"', page.text)
    assert sources, "the project page on B shows no uploaded photo"
    for base in (web_b, cluster["nginx"]):
        photo = requests.get(f"{base}{sources[-1]}", timeout=10)
        assert photo.status_code == 200
        assert Image.open(BytesIO(photo.content)).size == (80, 60)


def _file_that_is_no_photo_is_refused_and_nothing_is_added(cluster: dict[str, Any]) -> None:
    web_b = cluster["web"][1]
    code = _wuhou_project()
    count = "from shequ.projects.models import Photo; print(Photo.objects.count())"
    before = _shell(count)
    officer = _signed_in(web_b, "district", cluster["demo_password"])
    refused = officer.post(
        f"{web_b}/console/projects/p/{code}/photo/",
        data={"phase": "during", "csrfmiddlewaretoken": officer.cookies["csrftoken"]},
        files={"image": ("site.jpg", b"<script>alert(1)</script>", "image/jpeg")},
        headers={"Referer": f"{web_b}/console/projects/p/{code}/", "Accept-Language": "zh-hans"},
        allow_redirects=False,
        timeout=20,
    )
    assert refused.status_code == 400
    assert "is-invalid" in refused.text
    assert _shell(count) == before


def _task_enqueued_by_the_web_side_is_done_by_a_worker(cluster: dict[str, Any]) -> None:
    result_id = _shell(
        "from shequ.casework.tasks import applications_escalate; "
        "print(applications_escalate.enqueue().id)"
    )
    deadline = time.monotonic() + 30
    status = ""
    while time.monotonic() < deadline:
        status = _shell(
            "from django_tasks import default_task_backend as b; "
            f"print(b.get_result('{result_id}').status)"
        )
        if status in ("SUCCEEDED", "SUCCESSFUL", "FAILED"):
            break
        time.sleep(0.5)
    assert status in ("SUCCEEDED", "SUCCESSFUL")
    ready = requests.get(f"{cluster['nginx']}/readyz", timeout=10)
    assert ready.status_code == 200
