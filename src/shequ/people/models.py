"""Accounts, residents (居民), departments (部门) and staff roles with a scope."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shequ.core.pii import EncryptedPIIField, PIIKind
from shequ.core.scopes import DIVISION_ROLES, Role
from shequ.places.models import Division


class VerificationLevel(models.IntegerChoices):
    """How sure we are that the account is the person it claims (实名认证等级)."""

    # Ordered: a higher value is a stronger check. ID_CHECKED is self-declared (a valid
    # number typed by the user); REGISTRY_MATCHED means the number and name agree with a
    # registry record that community staff entered.
    REGISTERED = 0, _("Registered")
    ID_CHECKED = 1, _("ID checked (self-declared)")
    REGISTRY_MATCHED = 2, _("Matched the community registry")
    IN_PERSON = 3, _("Verified in person")
    AUTHORITY = 4, _("Verified by authority")


class User(AbstractUser):  # type: ignore[django-manager-missing]  # swapped OAuth app model
    """A login account. The person behind it, once known, is its ``resident``."""

    # Mobile phone for log-in and one-time codes: encrypted, looked up by blind index.
    phone = EncryptedPIIField(_("mobile phone"), kind=PIIKind.PHONE, null=True, blank=True)
    phone_index = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    # Demo accounts exist only on laptops: production refuses to start with any present.
    is_demo = models.BooleanField(default=False, editable=False)

    @property
    def verification_level(self) -> int:
        resident = getattr(self, "resident", None)
        return (
            resident.verification_level if resident is not None else (VerificationLevel.REGISTERED)
        )


class Department(models.Model):  # type: ignore[django-manager-missing]  # swapped OAuth app model
    """A municipal department (市级部门) that publishes services and handles cases."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """A role held over an area: (role, division) or (role, department)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_active = models.BooleanField(_("active"), default=True)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.CheckConstraint(
                name="staff_role_has_its_scope",
                condition=(
                    Q(
                        role__in=sorted(str(r) for r in DIVISION_ROLES),
                        division__isnull=False,
                        department__isnull=True,
                    )
                    | Q(role=Role.DEPARTMENT_STAFF, department__isnull=False, division__isnull=True)
                    | Q(role=Role.SYSTEM_ADMIN, division__isnull=True, department__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        scope = self.division or self.department or _("everywhere")
        return f"{self.get_role_display()} · {scope}"


class Resident(models.Model):
    """A person in the community registry (居民), with or without a login account."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="resident"
    )
    real_name = models.CharField(_("real name"), max_length=30, db_index=True)
    id_number = EncryptedPIIField(_("ID number"), kind=PIIKind.ID_NUMBER, null=True, blank=True)
    # HMAC of the normalised ID number: one ID number, one resident, one account.
    id_number_index = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    phone = EncryptedPIIField(_("mobile phone"), kind=PIIKind.PHONE, null=True, blank=True)
    phone_index = models.CharField(
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    # Derived from the ID number and kept apart for statistics (age bands, sex).
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    community = models.ForeignKey(
        Division,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    verification_level = models.PositiveSmallIntegerField(
        _("verification level"),
        choices=VerificationLevel.choices,
        default=VerificationLevel.REGISTERED,
    )
    # True when the record was made by the resident's own real-name check rather than by
    # community staff (registry import or console): such a record is no registry evidence.
    self_declared = models.BooleanField(default=False, db_default=False, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Row history of every change made through services (ciphertext only, like the row).
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes = [models.Index(fields=["community", "id"], name="resident_community_id")]

    def __str__(self) -> str:
        return self.real_name


class OneTimeCode(models.Model):
    """A short-lived code sent by SMS (password reset). Only its hash is kept."""

    class Purpose(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("Password reset")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.user_id}"
