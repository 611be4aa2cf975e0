"""Single sign-on benchmark: token endpoint (code exchange) and userinfo under load.

    .venv/bin/python bench/sso.py            # longer run
    .venv/bin/python bench/sso.py --quick    # under a minute

Starts gunicorn (2 sync workers by default) on 127.0.0.1 with production-like settings
(``DEBUG=0``, ``SHEQU_PRODUCTION=1`` with the secrets passed in and no TLS redirect) and drives
it from second processes on loopback:

- the token endpoint (code exchange): authorization codes are issued first, then POSTed from
  a pool of keep-alive clients in this process (the exchange is server-bound: RSA signing and
  four writes, so the client is not the bottleneck);
- userinfo: the ``wrk`` load generator (Debian package), whose Lua ``done`` hook prints the
  exact p50/p95/p99 from its latency histogram. Without wrk it falls back to the Python pool.

Uses its own SQLite file under var/bench/ unless DATABASE_URL is given (PostgreSQL is the
target configuration). Prints ``BENCH <metric> <value> <unit>``. Traffic stays on the loopback
interface; every loop is bounded in count or time.
"""

import argparse
import base64
import datetime
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
PORT = 8931
BASE = f"http://127.0.0.1:{PORT}"
REDIRECT = "http://rp.bench/callback"


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# wrk's Lua hook: the exact percentiles from its histogram, parsed below.
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("WRK requests %d\\n", summary.requests))
  io.write(string.format("WRK seconds %f\\n", summary.duration / 1e6))
  io.write(string.format("WRK bad %d\\n", summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
  for _, p in pairs({50, 95, 99}) do
    io.write(string.format("WRK p%d %f\\n", p, latency:percentile(p) / 1000))
  end
end
"""


def wrk_userinfo(
    access_token: str, *, label: str, seconds: int, connections: int, rate: int = 0
) -> bool:
    """Load userinfo with wrk; False if wrk is not installed.

    ``rate`` 0: closed loop, every connection sends as fast as answered (the maximum).
    Otherwise each connection pauses between requests so that all together offer about
    ``rate`` requests/s: the latency a relying party sees at that load.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        return False
    pause_ms = max(0, round(1000 * connections / rate) - 4) if rate else 0
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if pause_ms:
            script.write(f"delay = function() return {pause_ms} end\n")
        script.write(WRK_REPORT)
    try:
        output = subprocess.run(
            [
                wrk,
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "-s",
                script.name,
                "-H",
                f"Authorization: Bearer {access_token}",
                f"{BASE}/o/userinfo/",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    figures = {
        line.split()[1]: float(line.split()[2])
        for line in output.splitlines()
        if line.startswith("WRK ")
    }
    good = figures["requests"] - figures["bad"]
    bench(f"{label}_throughput", good / figures["seconds"], "req/s")
    bench(f"{label}_p95", figures["p95"], "ms")
    bench(f"{label}_p50", figures["p50"], "ms")
    bench(f"{label}_p99", figures["p99"], "ms")
    if figures["bad"]:
        bench(f"{label}_failures", figures["bad"], "requests")
    return True


def prepare() -> dict[str, str]:
    """Migrate, make a resident and two apps (confidential, public) with consent given."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from shequ.core.pii import PIIKind, PIIValue, blind_index
    from shequ.core.scopes import Role
    from shequ.people.models import Department, Resident, StaffRole, User
    from shequ.places.models import Division
    from shequ.sso import services
    from shequ.sso.models import Consent

    call_command("migrate", "--no-input", verbosity=0)
    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)
    admin, _ = User.objects.get_or_create(username="bench-admin")
    StaffRole.objects.get_or_create(user=admin, role=Role.SYSTEM_ADMIN)
    department, _ = Department.objects.get_or_create(
        code="bench", defaults={"name": "基准测试部门", "short_name": "基准"}
    )
    user = User.objects.filter(username="bench-resident").first()
    if user is None:
        user = User(
            username="bench-resident",
            phone=PIIValue(PIIKind.PHONE, plain="13700000001"),
            phone_index=blind_index(PIIKind.PHONE, "13700000001"),
        )
        user.set_unusable_password()
        user.save()
    if not Resident.objects.filter(user=user).exists():
        # A registered resident of 倪家桥社区, so userinfo computes every claim (masked name,
        # community) as it does for a real one.
        Resident.objects.create(
            user=user,
            real_name="张小丰",
            id_number=PIIValue(PIIKind.ID_NUMBER, plain="51010719900307001X"),
            id_number_index=blind_index(PIIKind.ID_NUMBER, "51010719900307001X"),
            phone=PIIValue(PIIKind.PHONE, plain="13700000001"),
            phone_index=blind_index(PIIKind.PHONE, "13700000001"),
            birth_date=datetime.date(1990, 3, 7),
            sex="M",
            community_id="510107005004",
            verification_level=1,
        )
    out = {}
    for kind, confidential in (("confidential", True), ("public", False)):
        app, secret = services.app_register(
            actor=admin,
            name=f"bench {kind} {secrets.token_hex(3)}",
            department_id=department.pk,
            redirect_uris=REDIRECT,
            scopes=["openid", "profile", "phone", "community", "verification"],
            confidential=confidential,
        )
        now = timezone.now()
        Consent.objects.create(
            user=user,
            app=app,
            scopes="openid profile phone community verification",
            granted_at=now,
            last_used_at=now,
        )
        out[f"{kind}_id"] = app.client_id
        out[f"{kind}_secret"] = secret
    client = Client()
    client.force_login(user, backend="shequ.people.auth_backends.UsernameOrPhoneBackend")
    out["sessionid"] = client.cookies["sessionid"].value
    return out


def new_code(browser: requests.Session, client_id: str) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "scope": "openid profile community verification",
            "redirect_uri": REDIRECT,
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
            "state": secrets.token_urlsafe(8),
        }
    )
    response = browser.get(f"{BASE}/o/authorize/?{query}", allow_redirects=False, timeout=30)
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    return code, verifier


def run_load(label: str, calls: list, concurrency: int) -> None:
    """Run the calls on ``concurrency`` threads; each returns (ok, seconds)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda call: call(), calls))
    elapsed = time.perf_counter() - started
    durations = [seconds for ok, seconds in results if ok]
    failures = len(results) - len(durations)
    bench(f"{label}_throughput", len(durations) / elapsed, "req/s")
    bench(f"{label}_p95", 1000 * percentile(durations, 0.95), "ms")
    bench(f"{label}_p50", 1000 * percentile(durations, 0.50), "ms")
    if failures:
        bench(f"{label}_failures", failures, "requests")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="gthread workers if > 1")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--rate", type=int, default=330, help="offered userinfo requests/s")
    args = parser.parse_args()
    exchanges = 150 if args.quick else 600
    userinfo_seconds = 8 if args.quick else 30
    userinfo_calls = 1500 if args.quick else 10000  # the Python fallback without wrk
    concurrency = 8

    if "DATABASE_URL" not in os.environ:
        bench_dir = REPO / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (bench_dir / f"sso.sqlite3{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / 'sso.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    os.environ["SSO_TOKEN_RATE_PER_MINUTE"] = str(10**8)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    ids = prepare()

    from django.conf import settings

    from shequ.config.env import pii_keys

    keys, blind = pii_keys()
    server_env = {
        **os.environ,
        # Production settings, with this process's secrets and no TLS redirect (plain loopback).
        "SHEQU_PRODUCTION": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "PII_ENCRYPTION_KEYS": ",".join(keys),
        "PII_BLIND_INDEX_KEY": blind,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SSO_REDIRECT_URI_SCHEMES": "https,http",
    }
    worker_args = ["-w", str(args.workers)]
    if args.threads > 1:
        worker_args += ["-k", "gthread", "--threads", str(args.threads)]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "shequ.config.wsgi",
            *worker_args,
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        env=server_env,
        cwd=REPO,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=2)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        browser = requests.Session()
        browser.cookies.set("sessionid", ids["sessionid"])
        access_token = ""
        for kind in ("public", "confidential"):
            client_id, secret = ids[f"{kind}_id"], ids[f"{kind}_secret"]
            count = exchanges if kind == "public" else max(50, exchanges // 5)
            codes = [new_code(browser, client_id) for _ in range(count)]
            sessions = [requests.Session() for _ in range(concurrency)]

            def exchange(
                index: int,
                code: str,
                verifier: str,
                client_id: str = client_id,
                secret: str = secret,
                sessions: list[requests.Session] = sessions,
            ) -> tuple[bool, float]:
                data = {
                    "grant_type": "authorization_code",
                    "code": code,
                    "code_verifier": verifier,
                    "redirect_uri": REDIRECT,
                    "client_id": client_id,
                }
                auth = (client_id, secret) if secret else None
                started = time.perf_counter()
                response = sessions[index % concurrency].post(
                    f"{BASE}/o/token/", data=data, auth=auth, timeout=60
                )
                return response.status_code == 200, time.perf_counter() - started

            calls = [(lambda i=i, c=c, v=v: exchange(i, c, v)) for i, (c, v) in enumerate(codes)]
            run_load(f"sso_token_exchange_{kind}", calls, concurrency)
            if kind == "public":
                code, verifier = new_code(browser, client_id)
                access_token = requests.post(
                    f"{BASE}/o/token/",
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "code_verifier": verifier,
                        "redirect_uri": REDIRECT,
                        "client_id": client_id,
                    },
                    timeout=60,
                ).json()["access_token"]

        # The maximum (closed loop), then the target load: p95 at >= 300 requests/s.
        if wrk_userinfo(
            access_token,
            label="sso_userinfo_max",
            seconds=userinfo_seconds,
            connections=args.connections,
        ):
            wrk_userinfo(
                access_token,
                label="sso_userinfo",
                seconds=userinfo_seconds,
                connections=args.connections,
                rate=args.rate,
            )
            return
        user_sessions = [requests.Session() for _ in range(concurrency)]
        headers = {"Authorization": f"Bearer {access_token}"}

        def userinfo(index: int) -> tuple[bool, float]:
            started = time.perf_counter()
            response = user_sessions[index % concurrency].get(
                f"{BASE}/o/userinfo/", headers=headers, timeout=60
            )
            return response.status_code == 200, time.perf_counter() - started

        run_load(
            "sso_userinfo",
            [(lambda i=i: userinfo(i)) for i in range(userinfo_calls)],
            concurrency,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
