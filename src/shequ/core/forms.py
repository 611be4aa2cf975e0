"""Show service errors on Django forms, each under its own field."""

from django import forms

from shequ.core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Attach ``error`` (and any it carries) to the matching form fields."""
    for item in getattr(error, "errors", None) or [error]:
        field = item.field if item.field in form.fields else None
        form.add_error(field, str(item))
