"""manage.py seed_sso — a demo department app for the sample relying party (examples/).

Idempotent: a second run adds nothing. Demo only: the client id and secret are fixed and
printed, so ``examples/sso_rp`` works out of the box on a laptop.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shequ.people.models import Department, User, VerificationLevel
from shequ.sso import services
from shequ.sso.models import DepartmentApp

DEMO_CLIENT_ID = "shequ-demo-rp"
DEMO_CLIENT_SECRET = "shequ-demo-rp-secret-2026"  # noqa: S105 - demo only, refused in production
DEMO_RP = "http://127.0.0.1:8100"
# 社保缴费查询 (examples/shebao), started by `make run` beside the main server; the
# catalogue's 社保缴费查询 service points to it (``catalogue.demo.demo_apps_link``).
SHEBAO_CLIENT_ID = "shequ-demo-shebao"
SHEBAO_CLIENT_SECRET = "shequ-demo-shebao-secret-2026"  # noqa: S105 - demo only
SHEBAO_URL = "http://127.0.0.1:8001"


class Command(BaseCommand):
    help = "Register the demo department app used by examples/sso_rp (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_sso is for demo installations only.")
        admin = User.objects.filter(username="admin", is_demo=True).first()
        if admin is None:
            self.stdout.write("seed_sso: no demo admin yet; skipped.")
            return
        self._shebao(admin)
        if DepartmentApp.objects.filter(client_id=DEMO_CLIENT_ID).exists():
            self.stdout.write("seed_sso: demo app already registered.")
            return
        department = Department.objects.filter(code="gongjijin").first()
        if department is None:
            self.stdout.write("seed_sso: no demo department yet; skipped.")
            return
        app, _secret = services.app_register(
            actor=admin,
            name="公积金查询（示例应用）",
            department_id=department.pk,
            redirect_uris=f"{DEMO_RP}/callback",
            post_logout_redirect_uris=f"{DEMO_RP}/",
            scopes=["openid", "profile", "phone", "community", "verification"],
            min_level=VerificationLevel.ID_CHECKED,
            confidential=True,
        )
        app.client_id = DEMO_CLIENT_ID
        app.client_secret = DEMO_CLIENT_SECRET
        app.save()
        self.stdout.write(
            f"seed_sso: demo app client_id={DEMO_CLIENT_ID} secret={DEMO_CLIENT_SECRET}"
        )

    def _shebao(self, admin: User) -> None:
        """The 社保缴费查询 department app of examples/shebao (idempotent)."""
        department = Department.objects.filter(code="renshe").first()
        if department is None or DepartmentApp.objects.filter(client_id=SHEBAO_CLIENT_ID).exists():
            return
        app, _secret = services.app_register(
            actor=admin,
            name="社保缴费查询",
            department_id=department.pk,
            redirect_uris=f"{SHEBAO_URL}/callback",
            post_logout_redirect_uris=f"{SHEBAO_URL}/",
            scopes=["openid", "profile", "community", "verification"],
            min_level=VerificationLevel.ID_CHECKED,
            confidential=True,
        )
        app.client_id = SHEBAO_CLIENT_ID
        app.client_secret = SHEBAO_CLIENT_SECRET
        app.save()
        self.stdout.write(
            f"seed_sso: 社保缴费查询 app client_id={SHEBAO_CLIENT_ID} on {SHEBAO_URL}"
        )
