"""The indicator tree (指标体系) and its versions: installing the default tree, copying a
version, checking and publishing it, weights, methods and indicator definitions.

A published version is frozen; changing it means ``version_create_from`` and publishing the
copy.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.indicators import default_tree
from shequ.indicators.models import (
    Indicator,
    Node,
    TreeVersion,
)
from shequ.indicators.services._common import (
    HUNDRED,
    TOLERANCE,
    _decimal,
    _require_draft,
    _require_editor,
    _version_for_update,
)
from shequ.indicators.sources import SOURCES


@transaction.atomic
def tree_install_default(*, actor: Any = None) -> TreeVersion:
    """Install the default tree as version 1, published (idempotent: returns the existing
    version 1 when there is one)."""
    _require_editor(actor)
    existing = TreeVersion.objects.filter(number=1).first()
    if existing is not None:
        return existing
    version = TreeVersion.objects.create(
        number=1,
        name="成都市高品质和谐宜居生活社区评价指标（默认）",
        status=TreeVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for d_order, (d_code, d_name, d_weight, subs) in enumerate(default_tree.TREE):
        dimension = Node.objects.create(
            version=version, code=d_code, name=d_name, weight=Decimal(d_weight), order=d_order
        )
        for s_order, ((s_code, s_name, rows), s_weight) in enumerate(
            zip(subs, default_tree.equal_weights(len(subs)), strict=True)
        ):
            sub = Node.objects.create(
                version=version,
                parent=dimension,
                code=s_code,
                name=s_name,
                weight=s_weight,
                order=s_order,
            )
            weights = default_tree.equal_weights(len(rows))
            Indicator.objects.bulk_create(
                [
                    Indicator(
                        version=version,
                        node=sub,
                        code=code,
                        name=name,
                        unit=unit,
                        direction=direction,
                        target=Decimal(target),
                        source=(Indicator.Source.COMPUTED if key else Indicator.Source.ENTERED),
                        computation=key,
                        definition=definition,
                        upper_bound=upper,
                        owner=owner,
                        source_note=owner or "平台数据",
                        weight=weight,
                        headline=code in default_tree.HEADLINES,
                        missing=(
                            Indicator.Missing.EXCLUDE if not key else Indicator.Missing.PEER_MEAN
                        ),
                        order=i_order,
                    )
                    for i_order, (
                        (code, name, unit, direction, target, key, definition, upper, owner),
                        weight,
                    ) in enumerate(zip(rows, weights, strict=True))
                ]
            )
    audit_record(
        actor=actor,
        verb="indicators.version_created",
        target=version,
        division_code=CITY_CODE,
        changes={"number": [None, 1], "indicators": [None, version.indicators.count()]},
    )
    return version


@transaction.atomic
def version_create_from(*, actor: Any, version_id: int, name: str) -> TreeVersion:
    """A new draft version copying ``version_id``'s dimensions and indicators."""
    _require_editor(actor)
    source = TreeVersion.objects.filter(pk=version_id).first()
    if source is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    name = name.strip()
    if not name:
        raise DomainError("name_required", _("Give the new version a name."), field="name")
    number = (TreeVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    copy_fields = [
        "normalisation",
        "aggregation",
        "weighting",
        "winsor_share",
        "weight_range",
        "draws",
        "seed",
        "min_data_share",
        "rank_urban_rural_separately",
    ]
    version = TreeVersion.objects.create(
        number=number,
        name=name[:120],
        based_on=source,
        created_by=actor,
        **{f: getattr(source, f) for f in copy_fields},
    )
    node_map: dict[int, Node] = {}
    # Dimensions before their sub-dimensions on every database (PostgreSQL sorts NULL last).
    for node in source.nodes.order_by(F("parent_id").asc(nulls_first=True), "id"):
        node_map[node.pk] = Node.objects.create(
            version=version,
            parent=node_map.get(node.parent_id) if node.parent_id else None,
            code=node.code,
            name=node.name,
            weight=node.weight,
            order=node.order,
        )
    copies = []
    for indicator in source.indicators.all():
        indicator.pk = None
        indicator.version = version
        indicator.node = node_map[indicator.node_id]
        copies.append(indicator)
    Indicator.objects.bulk_create(copies)
    audit_record(
        actor=actor,
        verb="indicators.version_created",
        target=version,
        division_code=CITY_CODE,
        changes={"number": [None, number], "based_on": [None, source.number]},
    )
    return version


def tree_problems(version: TreeVersion) -> list[str]:
    """What stops a version from being published, each naming the node or indicator."""
    problems: list[str] = []
    nodes = list(version.nodes.all())
    by_id = {n.pk: n for n in nodes}
    # A parent chain that comes back to itself is a cycle.
    for node in nodes:
        seen = {node.pk}
        current = node
        while current.parent_id is not None:
            if current.parent_id in seen or current.parent_id not in by_id:
                problems.append(_("%(name)s: the tree has a cycle.") % {"name": node.name})
                break
            seen.add(current.parent_id)
            current = by_id[current.parent_id]
    indicators = list(version.indicators.select_related("node"))
    groups: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for node in nodes:
        key = str(_("the dimensions")) if node.parent_id is None else by_id[node.parent_id].name
        groups[key].append((node.name, node.weight))
    for indicator in indicators:
        groups[indicator.node.name].append((indicator.name, indicator.weight))
        if indicator.node.parent_id is None:
            problems.append(
                _("%(name)s: an indicator belongs under a sub-dimension, not a dimension.")
                % {"name": indicator.name}
            )
        problems.extend(indicator_problems(indicator))
    for parent, members in groups.items():
        for name, weight in members:
            if weight < 0:
                problems.append(_("%(name)s: a weight cannot be negative.") % {"name": name})
        total = sum((w for _n, w in members), Decimal(0))
        if abs(total - HUNDRED) > TOLERANCE:
            problems.append(
                _("The weights under %(parent)s add up to %(total)s, not 100.")
                % {"parent": parent, "total": total}
            )
    for node in nodes:
        if node.parent_id is not None and not any(i.node_id == node.pk for i in indicators):
            problems.append(_("%(name)s has no indicators.") % {"name": node.name})
    return problems


def indicator_problems(indicator: Indicator) -> list[str]:
    """The declared target must make sense in the indicator's direction."""
    problems: list[str] = []
    name = indicator.name
    if indicator.weight < 0:
        problems.append(_("%(name)s: a weight cannot be negative.") % {"name": name})
    if indicator.target < 0:
        problems.append(_("%(name)s: the target cannot be negative.") % {"name": name})
    if indicator.upper_bound is not None and indicator.target > indicator.upper_bound:
        problems.append(
            _("%(name)s: the target %(target)s is above the largest possible value %(upper)s.")
            % {"name": name, "target": indicator.target, "upper": indicator.upper_bound}
        )
    if indicator.direction == Indicator.Direction.HIGHER and indicator.target == 0:
        problems.append(
            _(
                "%(name)s: higher is better, so a target of 0 is met by everyone; "
                "the target is in the wrong direction."
            )
            % {"name": name}
        )
    if (
        indicator.direction == Indicator.Direction.LOWER
        and indicator.upper_bound is not None
        and indicator.target >= indicator.upper_bound
    ):
        problems.append(
            _(
                "%(name)s: lower is better, so a target at the largest possible value is met by "
                "everyone; the target is in the wrong direction."
            )
            % {"name": name}
        )
    if indicator.source == Indicator.Source.COMPUTED and indicator.computation not in SOURCES:
        problems.append(
            _("%(name)s: unknown computation %(key)s.")
            % {"name": name, "key": indicator.computation}
        )
    return problems


@transaction.atomic
def version_publish(*, actor: Any, version_id: int) -> TreeVersion:
    """Publish a draft (the previous published version is retired, its results kept).

    Raises:
        DomainError: the tree has problems (each listed, naming the node or indicator).
    """
    _require_editor(actor)
    version = _version_for_update(version_id)
    _require_draft(version)
    problems = tree_problems(version)
    if problems:
        raise DomainError("tree_invalid", " ".join(problems))
    TreeVersion.objects.filter(status=TreeVersion.Status.PUBLISHED).update(
        status=TreeVersion.Status.RETIRED
    )
    version.status = TreeVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor, verb="indicators.version_published", target=version, division_code=CITY_CODE
    )
    return version


@transaction.atomic
def version_update_method(*, actor: Any, version_id: int, data: dict[str, Any]) -> TreeVersion:
    """Change the method of a draft (normalisation, aggregation, Monte Carlo settings)."""
    _require_editor(actor)
    version = _version_for_update(version_id)
    _require_draft(version)
    before = {k: str(getattr(version, k)) for k in data}
    for key, value in data.items():
        setattr(version, key, value)
    if not Decimal(0) <= Decimal(version.winsor_share) < Decimal("0.5"):
        raise DomainError(
            "winsor", _("The winsorisation share must be from 0 to 0.5."), field="winsor_share"
        )
    if not Decimal(0) <= Decimal(version.weight_range) < Decimal(1):
        raise DomainError("range", _("The weight range must be from 0 to 1."), field="weight_range")
    if not 0 < int(version.draws) <= 20000:
        raise DomainError("draws", _("Draws must be from 1 to 20,000."), field="draws")
    version.save()
    audit_record(
        actor=actor,
        verb="indicators.version_changed",
        target=version,
        division_code=CITY_CODE,
        changes={k: [before[k], str(getattr(version, k))] for k in data},
    )
    return version


@transaction.atomic
def node_update(
    *, actor: Any, node_id: int, name: str, weight: Any, parent_id: int | None = None
) -> Node:
    """Rename, reweight or move a dimension or sub-dimension of a draft.

    Raises:
        DomainError: negative weight, or a move that would make a cycle.
    """
    _require_editor(actor)
    node = Node.objects.select_related("version").filter(pk=node_id).first()
    if node is None:
        raise NotFound("not_found", _("No such dimension."))
    _version_for_update(node.version_id)
    _require_draft(node.version)
    value = _decimal(weight, _("The weight of %(name)s") % {"name": node.name})
    if value < 0:
        raise DomainError(
            "negative_weight",
            _("%(name)s: a weight cannot be negative.") % {"name": node.name},
            field="weight",
        )
    if parent_id is not None and parent_id != node.parent_id:
        parent = Node.objects.filter(pk=parent_id, version_id=node.version_id).first()
        if parent is None:
            raise DomainError("parent", _("No such dimension in this version."), field="parent")
        walker: Node | None = parent
        while walker is not None:
            if walker.pk == node.pk:
                raise DomainError(
                    "cycle",
                    _("%(name)s cannot go under %(parent)s: the tree would have a cycle.")
                    % {"name": node.name, "parent": parent.name},
                    field="parent",
                )
            walker = walker.parent
        node.parent = parent
    before = {"weight": str(node.weight), "name": node.name}
    node.name = (name.strip() or node.name)[:80]
    node.weight = value
    node.save()
    audit_record(
        actor=actor,
        verb="indicators.node_changed",
        target=node,
        division_code=CITY_CODE,
        changes={"weight": [before["weight"], str(value)], "name": [before["name"], node.name]},
    )
    return node


INDICATOR_FIELDS = ("name", "definition", "unit", "direction", "missing", "owner", "headline")


@transaction.atomic
def indicator_update(*, actor: Any, indicator_id: int, data: dict[str, Any]) -> Indicator:
    """Change an indicator of a draft (weight, target, direction, definition...).

    Raises:
        DomainError: a weight or target that is not a number or makes no sense, naming it.
    """
    _require_editor(actor)
    indicator = Indicator.objects.select_related("version").filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("not_found", _("No such indicator."))
    _version_for_update(indicator.version_id)
    _require_draft(indicator.version)
    before = {
        "weight": str(indicator.weight),
        "target": str(indicator.target),
        "direction": indicator.direction,
    }
    if "weight" in data:
        indicator.weight = _decimal(
            data["weight"], _("The weight of %(name)s") % {"name": indicator.name}
        )
    if "target" in data:
        indicator.target = _decimal(
            data["target"], _("The target of %(name)s") % {"name": indicator.name}
        )
    for key in INDICATOR_FIELDS:
        if key in data:
            setattr(indicator, key, data[key])
    problems = indicator_problems(indicator)
    if problems:
        raise DomainError("indicator_invalid", " ".join(problems), field="target")
    indicator.save()
    audit_record(
        actor=actor,
        verb="indicators.indicator_changed",
        target=indicator,
        division_code=CITY_CODE,
        changes={
            "weight": [before["weight"], str(indicator.weight)],
            "target": [before["target"], str(indicator.target)],
            "direction": [before["direction"], indicator.direction],
        },
    )
    return indicator


@transaction.atomic
def indicator_add(
    *,
    actor: Any,
    version_id: int,
    node_id: int,
    source: str,
    name: str,
    unit: str,
    direction: str,
    target: Any,
    weight: Any,
) -> Indicator:
    """Add an indicator computed from one of the platform's sources (``SOURCES``) under a
    sub-dimension of a draft. The weights under the sub-dimension are left for the committee
    to rebalance (publishing checks they add up to 100).

    Raises:
        DomainError: unknown source, not a sub-dimension of this version, a negative weight,
            a target that is not a number or is in the wrong direction; nothing is written.
    """
    _require_editor(actor)
    version = _version_for_update(version_id)
    _require_draft(version)
    if source not in SOURCES:
        raise DomainError(
            "unknown_source",
            _("Pick a data source from the list; %(key)s is not one.") % {"key": source},
            field="source",
        )
    node = Node.objects.filter(pk=node_id, version=version, parent__isnull=False).first()
    if node is None:
        raise DomainError(
            "node_required",
            _("Pick a sub-dimension of this version for the indicator."),
            field="node",
        )
    name = name.strip()
    if not name:
        raise DomainError("name_required", _("Give the indicator a name."), field="name")
    if direction not in Indicator.Direction.values:
        raise DomainError(
            "direction", _("Choose whether higher or lower is better."), field="direction"
        )
    catalogue = default_tree.source_catalogue()
    _label, definition, _unit, _direction, upper = catalogue.get(source, ("", "", "", "", None))
    indicator = Indicator(
        version=version,
        node=node,
        code=_free_code(version, source),
        name=name[:120],
        definition=definition,
        unit=(unit.strip() or _unit)[:20],
        direction=direction,
        target=_decimal(target, _("The target of %(name)s") % {"name": name}),
        upper_bound=upper,
        weight=_decimal(weight, _("The weight of %(name)s") % {"name": name}),
        source=Indicator.Source.COMPUTED,
        computation=source,
        source_note="平台数据",
        missing=Indicator.Missing.PEER_MEAN,
        order=(node.indicators.aggregate(n=Max("order"))["n"] or 0) + 1,
    )
    problems = indicator_problems(indicator)
    if problems:
        field = "weight" if indicator.weight < 0 else "target"
        raise DomainError("indicator_invalid", " ".join(problems), field=field)
    indicator.save()
    audit_record(
        actor=actor,
        verb="indicators.indicator_added",
        target=indicator,
        division_code=CITY_CODE,
        changes={
            "version": [None, version.number],
            "source": [None, source],
            "weight": [None, str(indicator.weight)],
            "target": [None, str(indicator.target)],
            "direction": [None, indicator.direction],
        },
    )
    return indicator


def _free_code(version: TreeVersion, source: str) -> str:
    """The source's key as the indicator's code, with -2, -3 … when the version has it."""
    taken = set(version.indicators.values_list("code", flat=True))
    code = source[:36]
    number = 2
    while code in taken:
        code = f"{source[:36]}-{number}"
        number += 1
    return code
