"""Create a system administrator: the first account of a city starting from empty."""

import getpass
import os
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError
from shequ.people.services.staff import staff_admin_create

PASSWORD_ENV = "SHEQU_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a password


class Command(BaseCommand):
    help = (
        "Create a system administrator. The password is asked twice, or read from "
        f"--password-file or the {PASSWORD_ENV} environment variable (for automation)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--phone", help="mainland mobile number, for password resets")
        parser.add_argument(
            "--password-file",
            type=Path,
            help="a file whose first line is the password ('-' reads standard input)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = self._password(options["password_file"])
        try:
            user = staff_admin_create(
                username=options["username"], password=password, phone=options["phone"]
            )
        except DomainError as error:
            raise CommandError(_("%(error)s Nothing was created.") % {"error": error}) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("System administrator %(username)s created. Sign in at /console/.")
                % {"username": user.username}
            )
        )

    def _password(self, password_file: Path | None) -> str:
        if password_file is not None:
            try:
                text = (
                    sys.stdin.read()
                    if str(password_file) == "-"
                    else password_file.read_text(encoding="utf-8")
                )
            except OSError as error:
                raise CommandError(
                    _("Cannot read the password file: %(error)s") % {"error": error.strerror}
                ) from None
            return text.splitlines()[0] if text else ""
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if not sys.stdin.isatty():
            raise CommandError(
                _("No terminal to ask for the password: use --password-file or %(env)s.")
                % {"env": PASSWORD_ENV}
            )
        first = getpass.getpass(_("Password: "))
        second = getpass.getpass(_("Password (again): "))
        if first != second:
            raise CommandError(_("The two passwords differ. Nothing was created."))
        return first
