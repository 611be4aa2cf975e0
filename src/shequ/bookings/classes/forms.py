"""Forms of the classes console: a weekly class in one of the staff member's rooms."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.bookings.classes.services import ClassIn
from shequ.bookings.forms import WEEKDAYS
from shequ.bookings.models import CentreClass, Venue
from shequ.core.forms import StyledForm

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def _time() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _moment() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE)


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.community}）" if obj.community_id else str(obj.name)


class ClassForm(StyledForm):
    """A weekly class: what, where (a room of the staff member's community), when, places."""

    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=CentreClass.Kind.choices)
    venue = RoomChoiceField(label=_("Room"), queryset=Venue.objects.none())
    host = forms.CharField(label=_("Teacher or host"), max_length=80, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    weekday = forms.TypedChoiceField(label=_("Every"), choices=WEEKDAYS, coerce=int)
    starts_at = forms.TimeField(label=_("Starts at"), widget=_time())
    ends_at = forms.TimeField(label=_("Ends at"), widget=_time())
    first_day = forms.DateField(label=_("First day"), widget=_date())
    last_day = forms.DateField(label=_("Last day"), widget=_date())
    capacity = forms.IntegerField(label=_("Number of places"), min_value=1, max_value=500)
    signup_opens = forms.DateTimeField(
        label=_("Sign-up opens (empty: now)"), required=False, widget=_moment()
    )
    signup_closes = forms.DateTimeField(
        label=_("Sign-up closes (empty: when the last session starts)"),
        required=False,
        widget=_moment(),
    )

    def __init__(self, *args: Any, rooms: QuerySet[Venue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["venue"]).queryset = rooms.select_related(
            "community"
        )

    def class_in(self) -> ClassIn:
        data = self.cleaned_data
        return ClassIn(
            name=data["name"],
            kind=data["kind"],
            venue_id=data["venue"].pk,
            host=data["host"],
            description=data["description"],
            weekday=data["weekday"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            first_day=data["first_day"],
            last_day=data["last_day"],
            capacity=data["capacity"],
            signup_opens=data["signup_opens"],
            signup_closes=data["signup_closes"],
        )


def class_initial(centre_class: CentreClass | None) -> dict[str, Any]:
    if centre_class is None:
        return {"kind": CentreClass.Kind.DANCE, "capacity": 20, "weekday": 3}

    def local(moment: Any) -> str:
        return str(timezone.localtime(moment).strftime(LOCAL_MINUTE))

    return {
        "name": centre_class.name,
        "kind": centre_class.kind,
        "venue": centre_class.venue_id,
        "host": centre_class.host,
        "description": centre_class.description,
        "weekday": centre_class.weekday,
        "starts_at": centre_class.starts_at.strftime("%H:%M"),
        "ends_at": centre_class.ends_at.strftime("%H:%M"),
        "first_day": centre_class.first_day.isoformat(),
        "last_day": centre_class.last_day.isoformat(),
        "capacity": centre_class.capacity,
        "signup_opens": local(centre_class.signup_opens),
        "signup_closes": local(centre_class.signup_closes),
    }


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=100)
