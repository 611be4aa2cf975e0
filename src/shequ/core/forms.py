"""Show service errors on Django forms, each under its own field."""

from typing import Any

from django import forms

from shequ.core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Attach ``error`` (and any it carries) to the matching form fields."""
    for item in getattr(error, "errors", None) or [error]:
        field = item.field if item.field in form.fields else None
        form.add_error(field, str(item))


class StyledForm(forms.Form):
    """A form whose select boxes carry Bootstrap's class (inputs are styled by _form.html)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
