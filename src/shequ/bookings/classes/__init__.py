"""Service-centre classes (社区活动): weekly classes and events that hold a community room,
with sign-up for the whole course, a waiting list and attendance. The same shape as an app:
``services`` (writes), ``selectors`` (reads), ``views`` (phone), ``console`` (staff),
``api``, ``forms``; the models live in ``shequ.bookings.models`` beside the rooms they hold."""
