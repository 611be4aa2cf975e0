"""Writes of the indicators app, one module per noun (house style 10).

- ``trees``: the indicator tree and its versions, weights, methods and definitions;
- ``values``: periods, computed values, entered and imported values;
- ``runs``: evaluation runs, publishing and withdrawing their scores;
- ``_common``: checks and helpers the modules above share.

Every change checks the actor's role, runs in one transaction and is audited. Callers import
the module that owns the noun; this package re-exports nothing.
"""
