from django.urls import path

from shequ.bookings import views

app_name = "bookings"
urlpatterns = [
    path("", views.venue_list, name="venue_list"),
    path("venues/<int:venue_id>/", views.venue_detail, name="venue"),
    path("slots/<int:slot_id>/book/", views.book, name="book"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("mine.ics", views.ical, name="ical"),
]
