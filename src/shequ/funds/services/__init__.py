"""Writes of community money, one module per noun (house style 10). Import from the module
that owns the noun; this package re-exports nothing.

- ``ledger``: amounts (``money_parse``), accounts, the one posting function ``_post``,
  ``transaction_reverse`` and ``ledger_reconcile`` (对账);
- ``allocation``: formulas, the incentive pool, evaluation scores, ``allocation_preview`` and
  ``allocation_post`` (资金分配);
- ``decisions``: the council's quorum and majority rules and ``approval_record_create``
  (议事会决议);
- ``reservations``: ``reservation_create`` and ``reservation_release`` (预留);
- ``spending``: ``commitment_create``, ``payment_create``, ``commitment_release`` and
  ``commitment_close`` (承诺 → 支付 → 结项);
- ``objections``: ``objection_raise`` and ``objection_answer`` (异议);
- ``donations``: ``donation_record`` (社区基金);
- ``_common``: checks shared by several of them (uploads, years, communities).

Imports run one way: ``_common`` ← ``ledger`` ← ``reservations`` ← ``spending``; the others
use only ``ledger`` and ``_common``.
"""
