"""Writes of the planners' and experts' work, one module per noun. Each write runs in one
transaction and is audited; bad input raises a DomainError with a field and changes nothing.

- ``assignments``: planners assigned to communities for a term;
- ``consultations``: scheduling, opening, closing, notes and photos, ratings;
- ``attendance``: residents signing in, planners ticking them in after a masked search;
- ``suggestions``: residents' suggestions and turning them into proposals;
- ``plans``: community plans, their versions and projects, edits and withdrawal;
- ``worklog``: planners' hours;
- ``reports``: experts' evaluation reports, edits and withdrawal;
- ``_common``: checks and helpers the modules above share.

Callers import the module that owns the noun; this package re-exports nothing.
"""
