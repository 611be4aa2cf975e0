from django.urls import path

from shequ.participation import console

app_name = "participation_console"
urlpatterns = [
    path("", console.index, name="index"),
    path("proposals/<int:proposal_id>/hide/", console.proposal_hide, name="proposal_hide"),
    path("rounds/<int:round_id>/", console.round_page, name="round"),
    path("meetings/<int:meeting_id>/", console.meeting_page, name="meeting"),
]
