"""shequ (社区): a city platform for community development and governance."""
