"""Writes of the five major actions, one module per noun.

Every function checks who may act, runs in one transaction and leaves an audit event.
Import the module that owns the noun; this package re-exports nothing.

- ``registration``: registering a project and editing its fields.
- ``lifecycle``: status moves along the life cycle.
- ``reporting``: monthly progress reports (by hand and the Excel import), milestones,
  site photos.
- ``planning``: three-year-plan targets (one by one and the plan import).
- ``project_types``: the taxonomy of project types.
- ``followers``: residents following a project and the messages they get.
- ``import_results``: what a workbook import reports (counts and row errors).
- ``_common``: rules the modules share (money, years, the project under lock).
"""
