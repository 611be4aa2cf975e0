from django.urls import path

from shequ.ratings import console

app_name = "ratings_console"
urlpatterns = [
    path("", console.overview, name="overview"),
    path("follow-ups/", console.follow_up_list, name="follow_ups"),
    path("follow-ups/<int:follow_up_id>/", console.follow_up_detail, name="follow_up"),
]
