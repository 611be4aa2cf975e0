"""Writes of resident participation, one module per noun (house style 10).

- ``proposals``: residents' proposals (居民提案): proposing, supporting (附议), following,
  hiding and merging;
- ``councils``: residents' councils (居民议事会), their settings and members' terms;
- ``meetings``: council meetings: agenda, sign-in and quorum, votes on items, minutes;
- ``rounds``: participatory budgeting rounds (参与式预算): rules, dates, projects, phases,
  counting and committing the winners;
- ``ballots``: the ballots of a round, online and on paper;
- ``_common``: checks and helpers the modules above share.

Callers import the module that owns the noun; this package re-exports nothing.
"""
