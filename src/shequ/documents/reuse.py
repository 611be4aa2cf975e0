"""The 材料复用 hook of the resident's application form: which earlier uploads to offer for
each document slot (rendered by ``documents/_reuse.html``) and the picked ones as uploads."""

from collections.abc import Mapping
from typing import Any

from shequ.casework.models import FormDefinition
from shequ.documents.selectors import reusable_materials
from shequ.documents.services import REUSE_PREFIX

ReuseChoices = list[tuple[str, str, list[tuple[Any, bool]]]]


def reuse_choices(
    *, user: Any, definition: FormDefinition, data: Mapping[str, Any] | None = None
) -> ReuseChoices:
    """``[(slot, label, [(material, picked)])]`` for the slots the resident has materials for."""
    choices: ReuseChoices = []
    for spec in definition.documents:
        materials = reusable_materials(user=user, spec=spec)
        if not materials:
            continue
        picked = str((data or {}).get(REUSE_PREFIX + spec["name"]) or "")
        choices.append(
            (spec["name"], str(spec["label"]), [(m, str(m.pk) == picked) for m in materials])
        )
    return choices
