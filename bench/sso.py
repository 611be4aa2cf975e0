"""Single sign-on benchmark: token endpoint (code exchange) and userinfo under load.

    .venv/bin/python bench/sso.py            # longer run
    .venv/bin/python bench/sso.py --quick    # under a minute

Starts gunicorn (2 workers) on 127.0.0.1 and drives it from this second process with a pool
of keep-alive HTTP clients. Uses its own SQLite file under var/bench/ unless DATABASE_URL is
given (PostgreSQL is the target configuration). Prints ``BENCH <metric> <value> <unit>``.
Traffic stays on the loopback interface; every loop is bounded in count.
"""

import argparse
import base64
import hashlib
import os
import secrets
import signal
import subprocess
import sys
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


def prepare() -> dict[str, str]:
    """Migrate, make a resident and two apps (confidential, public) with consent given."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from shequ.core.pii import PIIKind, PIIValue, blind_index
    from shequ.core.scopes import Role
    from shequ.people.models import Department, StaffRole, User
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


def run_load(label: str, calls: list, concurrency: int) -> None:  # type: ignore[type-arg]
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
    args = parser.parse_args()
    exchanges = 150 if args.quick else 1000
    userinfo_calls = 1500 if args.quick else 10000
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

    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "shequ.config.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        env=os.environ.copy(),
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
            count = exchanges if kind == "public" else max(20, exchanges // 10)
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
