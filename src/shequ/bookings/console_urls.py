from django.urls import path

from shequ.bookings import console

app_name = "bookings_console"
urlpatterns = [
    path("", console.venue_list, name="venues"),
    path("<int:venue_id>/", console.venue_detail, name="venue"),
    path("<int:venue_id>/action/", console.venue_action, name="venue_action"),
    path("bookings/<int:booking_id>/no-show/", console.no_show, name="no_show"),
]
