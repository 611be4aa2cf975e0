"""manage.py remove_demo_accounts — before going to production, delete every demo log-in."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from shequ.core.services import audit_record
from shequ.people.models import Resident, StaffRole, User


class Command(BaseCommand):
    help = "Delete the demo accounts (their residents stay in the registry, unlinked)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        demo = User.objects.filter(is_demo=True)
        names = list(demo.values_list("username", flat=True))
        StaffRole.objects.filter(user__in=demo).delete()
        Resident.objects.filter(user__in=demo).update(user=None)
        demo.delete()
        audit_record(actor=None, verb="users.remove_demo", changes={"usernames": names})
        self.stdout.write(f"removed {len(names)} demo account(s)")
