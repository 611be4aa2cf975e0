"""Show service errors on Django forms, each under its own field."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from shequ.core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Attach ``error`` (and any it carries) to the matching form fields. A form the view
    handed straight to the service (never validated) shows only the service's reasons."""
    if not hasattr(form, "cleaned_data"):
        form.full_clean()
        form.errors.clear()
    for item in getattr(error, "errors", None) or [error]:
        field = item.field if item.field in form.fields else None
        form.add_error(field, str(item))


T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """What the service returned for a form that went through."""

    value: T


def submit(
    request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], T]
) -> Done[T] | None:
    """On a valid POST, run ``action`` with the cleaned data.

    Returns ``Done(result)`` when the service accepted it; ``None`` when nothing was posted,
    the form is invalid, or the service refused (its errors are then on the form).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Done(action(form.cleaned_data))
    except DomainError as error:
        if error.status == 404:
            raise
        add_domain_error(form, error)
        return None


def form_status(form: forms.Form) -> int:
    """400 when the form comes back with errors, so clients and tests can tell."""
    return 400 if form.is_bound and form.errors else 200


class StyledForm(forms.Form):
    """A form whose select boxes carry Bootstrap's class (inputs are styled by _form.html)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")


def perform(
    request: HttpRequest, action: Callable[[], T], *, done: str | Callable[[T], str]
) -> Done[T] | None:
    """Run a button's service call and say on the next page how it went.

    Returns ``Done(result)`` after putting ``done`` (or ``done(result)``) in a success
    message; ``None`` after putting the service's refusal in an error message. A record that
    does not exist stays a 404.
    """
    try:
        result = action()
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
        return None
    messages.success(request, done(result) if callable(done) else done)
    return Done(result)
