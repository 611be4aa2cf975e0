"""The message centre (消息中心): a per-user inbox, delivery preferences, community notices."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.places.models import Division


class Category(models.TextChoices):
    """What a message is about; residents choose extra channels per category."""

    APPLICATION = "application", _("Applications")
    BOOKING = "booking", _("Bookings")
    BILL = "bill", _("Bills")
    COMMUNITY = "community", _("Community notices")
    SYSTEM = "system", _("System")


class Message(models.Model):
    """One message in one user's inbox (站内信). Never deleted, only read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="message_user_created"),
            models.Index(
                fields=["user"], name="message_user_unread", condition=models.Q(read_at=None)
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """Extra channels a user wants for one category (the inbox always receives)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_preferences"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    sms = models.BooleanField(_("SMS"), default=False)
    email = models.BooleanField(_("e-mail"), default=False)

    class Meta:
        verbose_name = _("message preference")
        verbose_name_plural = _("message preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="preference_one_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.category}"


class CommunityNotice(models.Model):
    """A notice published by a community worker to the residents of one community (社区公告)."""

    community = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True, db_index=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("community notice")
        verbose_name_plural = _("community notices")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["community", "-published_at"], name="notice_community")]

    def __str__(self) -> str:
        return self.title
