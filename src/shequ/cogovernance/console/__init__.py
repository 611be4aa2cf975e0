"""Staff pages of co-governance, one module per noun: the three lists and matching
(``lists``), the registry of organisations and its graph (``organisations``), co-building
agreements (``agreements``), demonstration communities (``designations``). Every page is
scoped to the user's areas (a record outside them is a 404)."""
