from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "shequ.bookings"
    label = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from shequ.bookings import permissions  # noqa: F401 - registers the rules
        from shequ.bookings.tasks import register_periodic

        register_periodic()
