"""Demo evaluation: the default tree and one run of this year over the demo records, and
the demo users a role to see it. Idempotent (nothing is added once a run exists)."""

from django.utils import timezone

from shequ.indicators import evaluation
from shequ.indicators.models import Run
from shequ.indicators.services import trees


def seed_indicators() -> int:
    """Install the default tree and evaluate this year once; returns the run's id (0: none)."""
    version = trees.tree_install_default(actor=None)
    year = timezone.localdate().year
    existing = Run.objects.filter(version=version, year=year).first()
    if existing is not None:
        return 0
    run = evaluation.run_evaluate_now(actor=None, version_id=version.pk, year=year)
    return run.pk
