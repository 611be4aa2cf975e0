"""Writes of residents' requests, one module per noun: ``intake`` (every channel, "me
too"), ``handling`` (dispatch, sign, return, close, rate), ``catalogue`` (categories, units,
the dispatch catalogue) and ``open311`` (application keys, filing over GeoReport v2). Each
write runs in one transaction and is audited."""
