"""Writes of the volunteers app, one module per noun: ``registration`` (volunteers),
``teams``, ``activities`` (activities, slots and sign-ups), ``attendance`` (check-in and
check-out), ``ledger`` (hours), ``stars`` and ``certificates``. Each write runs in one
transaction and is audited."""
