from django.urls import path

from shequ.bookings import views
from shequ.bookings.classes import views as classes

app_name = "bookings"
urlpatterns = [
    path("", views.venue_list, name="venue_list"),
    path("venues/<int:venue_id>/", views.venue_detail, name="venue"),
    path("slots/<int:slot_id>/book/", views.book, name="book"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("mine.ics", views.ical, name="ical"),
    path("classes/", classes.whats_on_start, name="whats_on_start"),
    path("classes/c/<str:code>/", classes.whats_on, name="whats_on"),
    path("classes/<int:class_id>/", classes.class_detail, name="class"),
    path("classes/<int:class_id>/enrol/", classes.enrol, name="class_enrol"),
    path("classes/<int:class_id>/withdraw/", classes.withdraw, name="class_withdraw"),
    path("classes/mine/", classes.mine, name="my_classes"),
]
