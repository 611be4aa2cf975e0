"""Writes of the 15-minute service circle, one module per noun; import from the owning module.

- ``categories``: facility categories, their walk-time thresholds and walking speeds.
- ``networks``: the stored walk networks (the shipped OSM file, which uploads are OSM files,
  loading a stored network).
- ``facilities``: facilities imported from OSM POIs, the platform's service centres and uploads.
- ``network_imports``: importing an OSM file as a walk network, directly or as a background
  ``NetworkImport``, and setting up the shipped demo network.
- ``residents``: population points on the network, assigned to communities.
- ``runs``: runs (sweep + coverage per community/street/district) and their stored results.
- ``siting``: best new sites for a category, from candidate files or a district's nodes.
- ``_common``: what several of them share (stored files, the planner check, the engine's
  refusals, snapping points and reading uploaded point files).
"""
