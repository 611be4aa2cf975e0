"""manage.py sso_rotate_signing_key — sign new ID tokens with a fresh RSA key.

The old key stays in the JWKS until the last ID token it signed has expired.
"""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.sso.services import signing_key_rotate


class Command(BaseCommand):
    help = "Rotate the OpenID Connect signing key (old keys stay published until expiry)."

    def handle(self, *args: Any, **options: Any) -> None:
        key = signing_key_rotate(actor=None)
        self.stdout.write(f"new signing key kid={key.kid}")
