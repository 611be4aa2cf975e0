from django.urls import path

from shequ.bookings import console
from shequ.bookings.classes import console as classes

app_name = "bookings_console"
urlpatterns = [
    path("", console.venue_list, name="venues"),
    path("new/", console.venue_create, name="venue_create"),
    path("<int:venue_id>/", console.venue_detail, name="venue"),
    path("<int:venue_id>/edit/", console.venue_edit, name="venue_edit"),
    path("<int:venue_id>/close-day/", console.venue_close_day, name="venue_close_day"),
    path("<int:venue_id>/reopen-day/", console.venue_reopen_day, name="venue_reopen_day"),
    path("<int:venue_id>/action/", console.venue_action, name="venue_action"),
    path("bookings/<int:booking_id>/no-show/", console.no_show, name="no_show"),
    path("classes/", classes.class_list, name="classes"),
    path("classes/new/", classes.class_create, name="class_create"),
    path("classes/<int:class_id>/", classes.class_detail, name="class"),
    path("classes/<int:class_id>/edit/", classes.class_edit, name="class_edit"),
    path("classes/<int:class_id>/action/", classes.class_action, name="class_action"),
    path(
        "classes/sessions/<int:session_id>/attendance/",
        classes.session_attendance,
        name="class_attendance",
    ),
]
