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


class Command(BaseCommand):
    help = "Register the demo department app used by examples/sso_rp (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_sso is for demo installations only.")
        if DepartmentApp.objects.filter(client_id=DEMO_CLIENT_ID).exists():
            self.stdout.write("seed_sso: demo app already registered.")
            return
        admin = User.objects.filter(username="admin", is_demo=True).first()
        department = Department.objects.filter(code="gongjijin").first()
        if admin is None or department is None:
            self.stdout.write("seed_sso: no demo admin or department yet; skipped.")
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
