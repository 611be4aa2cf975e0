"""Signals other apps listen to, so payments never imports them (house style: no circles)."""

from django.dispatch import Signal

# Sent inside the callback's transaction once a bill is paid (``bill``, ``payment``,
# ``receipt``). A receiver that raises undoes the whole confirmation, so the callback is
# retried instead of leaving a paid bill without what it pays for.
bill_paid = Signal()
