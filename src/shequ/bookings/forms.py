"""Forms of the bookings console: a venue with its weekly opening hours; a closed day."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import Venue
from shequ.catalogue.models import Service
from shequ.core.forms import StyledForm
from shequ.people.models import Department

WEEKDAYS = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]


class VenueForm(StyledForm):
    """A venue: what and where it is, when it opens, how its slots are cut."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Venue.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=80)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    district = forms.CharField(label=_("District"), required=False, max_length=12)
    street = forms.CharField(label=_("Street"), required=False, max_length=12)
    community = forms.CharField(label=_("Community"), required=False, max_length=12)
    department = forms.ModelChoiceField(
        label=_("Department (for a service hall)"),
        required=False,
        queryset=Department.objects.filter(is_active=True).order_by("name"),
    )
    service = forms.ModelChoiceField(
        label=_("Service booked here"),
        required=False,
        queryset=Service.objects.filter(kind=Service.Kind.BOOKING).order_by("name"),
    )
    opens_at = forms.TimeField(
        label=_("Opens at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    closes_at = forms.TimeField(
        label=_("Closes at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    open_weekdays = forms.MultipleChoiceField(
        label=_("Open on"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    slot_minutes = forms.IntegerField(label=_("Slot length (minutes)"), min_value=10, max_value=480)
    capacity = forms.IntegerField(label=_("Places per slot"), min_value=1, max_value=500)
    max_per_week = forms.IntegerField(
        label=_("Bookings per resident per week"), min_value=1, max_value=50
    )
    is_open = forms.BooleanField(label=_("Open for booking"), required=False)

    def picked_division(self) -> str | None:
        data = self.cleaned_data
        return data.get("community") or data.get("street") or data.get("district") or None

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``venue_create`` / ``venue_update`` take it."""
        data = self.cleaned_data
        department = data.get("department")
        service = data.get("service")
        return {
            "kind": data["kind"],
            "name": data["name"],
            "address": data["address"],
            "division_code": self.picked_division(),
            "department_id": department.pk if department is not None else None,
            "service_id": service.pk if service is not None else None,
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "open_weekdays": "".join(data["open_weekdays"]),
            "slot_minutes": data["slot_minutes"],
            "capacity": data["capacity"],
            "max_per_week": data["max_per_week"],
            "is_open": data["is_open"],
        }


def venue_initial(venue: Venue | None) -> dict[str, Any]:
    if venue is None:
        return {
            "kind": Venue.Kind.ROOM,
            "opens_at": "09:00",
            "closes_at": "17:00",
            "open_weekdays": list("12345"),
            "slot_minutes": 60,
            "capacity": 10,
            "max_per_week": 2,
            "is_open": True,
        }
    return {
        "kind": venue.kind,
        "name": venue.name,
        "address": venue.address,
        "department": venue.department_id,
        "service": venue.service_id,
        "opens_at": venue.opens_at.strftime("%H:%M"),
        "closes_at": venue.closes_at.strftime("%H:%M"),
        "open_weekdays": list(venue.open_weekdays),
        "slot_minutes": venue.slot_minutes,
        "capacity": venue.capacity,
        "max_per_week": venue.max_per_week,
        "is_open": venue.is_open,
    }


class CloseDayForm(StyledForm):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=100)


def weekday_names(codes: str) -> str:
    names = dict(WEEKDAYS)
    return "、".join(str(names[c]) for c in codes if c in names)
