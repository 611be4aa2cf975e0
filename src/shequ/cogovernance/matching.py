"""The three lists' matching rule (三张清单匹配), one explainable rule in one place.

A resource fits a need when all of these hold:

1. the same kind (category tag): a room for a need of a room, volunteers for volunteers …;
2. the same place: offered to the need's own community, to its street as a whole, or to
   another community of the same street (in that order of preference); never across streets;
3. available: not withdrawn, and today inside its availability dates when it has them;
4. not exhausted: when it has a quantity or an amount, some of it is still untaken.

``judge`` says yes or no with the reasons, so a worker sees why a resource is suggested.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from shequ.cogovernance.models import Need, Resource
from shequ.core.scopes import code_range

SAME_COMMUNITY, STREET_WIDE, SAME_STREET = 1, 2, 3


def street_of(code: str) -> str:
    return code[:9] + "000"


def place_rank(need_community: str, resource_division: str) -> int | None:
    """1: the need's community; 2: offered to its whole street; 3: a community of the same
    street; None: another street."""
    if resource_division == need_community:
        return SAME_COMMUNITY
    street = street_of(need_community)
    if resource_division == street:
        return STREET_WIDE
    low, high = code_range(street)
    if low <= resource_division <= high:
        return SAME_STREET
    return None


@dataclass
class Verdict:
    fits: bool
    rank: int = 9
    reasons: list[str] = field(default_factory=list)
    refusal: str = ""
    code: str = ""


def remaining(resource: Resource, taken_quantity: Decimal, taken_amount: Decimal) -> str:
    parts = []
    if resource.quantity:
        parts.append(f"{resource.quantity - taken_quantity} {resource.unit_label}".strip())
    if resource.amount:
        parts.append(_("%(n)s yuan") % {"n": resource.amount - taken_amount})
    return " · ".join(parts)


def judge(
    need: Need,
    resource: Resource,
    *,
    today: date,
    taken_quantity: Decimal = Decimal("0"),
    taken_amount: Decimal = Decimal("0"),
    same_kind_required: bool = True,
) -> Verdict:
    """Whether ``resource`` may meet ``need`` today, with the reasons (or the refusal)."""
    rank = place_rank(need.community_id, resource.division_id)
    if rank is None:
        return Verdict(
            False,
            code="other_street",
            refusal=_("The resource is offered in another street than the need's community."),
        )
    if same_kind_required and resource.category != need.category:
        return Verdict(False, code="other_kind", refusal=_("The resource is of another kind."))
    if resource.status != Resource.Status.AVAILABLE:
        return Verdict(False, code="withdrawn", refusal=_("The resource has been withdrawn."))
    if (resource.available_from and today < resource.available_from) or (
        resource.available_until and today > resource.available_until
    ):
        return Verdict(
            False, code="not_available", refusal=_("The resource is not available at this date.")
        )
    exhausted_quantity = bool(resource.quantity) and taken_quantity >= resource.quantity
    exhausted_amount = bool(resource.amount) and taken_amount >= resource.amount
    if exhausted_quantity or exhausted_amount:
        return Verdict(False, code="exhausted", refusal=_("All of the resource is taken."))
    reasons = [
        _("same kind: %(kind)s") % {"kind": resource.get_category_display()},
        {
            SAME_COMMUNITY: _("offered to this community"),
            STREET_WIDE: _("offered to the whole street"),
            SAME_STREET: _("offered to a community of the same street"),
        }[rank],
        _("available"),
    ]
    left = remaining(resource, taken_quantity, taken_amount)
    if left:
        reasons.append(_("left: %(left)s") % {"left": left})
    return Verdict(True, rank=rank, reasons=reasons)
