"""The files in deploy/ that cannot run here whole: nginx accepts its configuration, exactly
one kind of worker schedules periodic tasks, and the image installs from the lock."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.parametrize("site", ["shequ.conf", "compose.conf"])
def test_nginx_accepts_the_site_configuration(site: str, tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists() or shutil.which("openssl") is None:
        # CI installs nginx (.ci/run) and must not skip; a laptop without it may.
        if os.environ.get("SHEQU_REQUIRE_POSTGRES") == "1":
            pytest.fail("nginx or openssl is not installed (SHEQU_REQUIRE_POSTGRES=1)")
        pytest.skip("nginx or openssl is not installed")
    ssl = tmp_path / "ssl"
    ssl.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x",
         "-keyout", str(ssl / "privkey.pem"), "-out", str(ssl / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    text = (DEPLOY / "nginx" / site).read_text()
    text = text.replace("/etc/ssl/shequ", str(ssl))
    locations = DEPLOY / "nginx" / "shequ-locations.conf"
    text = text.replace("/etc/nginx/shequ-locations.conf", str(locations))
    text = text.replace("/var/log/nginx", str(tmp_path))
    # compose's service names do not resolve outside compose.
    text = text.replace("web1:8000", "127.0.0.1:8001").replace("web2:8000", "127.0.0.1:8002")
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


def _exec_start(unit: str) -> str:
    lines = (DEPLOY / "systemd" / unit).read_text().splitlines()
    return next(line for line in lines if line.startswith("ExecStart="))


def test_only_the_scheduler_unit_schedules_periodic_tasks() -> None:
    assert "--no-periodic" in _exec_start("shequ-worker@.service")
    assert "run_tasks" in _exec_start("shequ-scheduler.service")
    assert "--no-periodic" not in _exec_start("shequ-scheduler.service")


def test_compose_runs_exactly_one_scheduling_worker() -> None:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    workers = {
        name: service["command"]
        for name, service in services.items()
        if "run_tasks" in service.get("command", [])
    }
    scheduling = [name for name, command in workers.items() if "--no-periodic" not in command]
    assert scheduling == ["scheduler"]
    assert len(workers) == 3
    web = [name for name, service in services.items() if "gunicorn" in service.get("command", [])]
    assert len(web) == 2


def test_the_image_installs_from_the_lock_with_hashes_and_runs_as_non_root() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/lock.txt" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    assert "collectstatic" in dockerfile
    assert "\nUSER shequ\n" in dockerfile
