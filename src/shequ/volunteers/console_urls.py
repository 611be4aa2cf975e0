from django.urls import path

from shequ.volunteers import console

app_name = "volunteers_console"
urlpatterns = [
    path("", console.overview, name="overview"),
    path("export.xlsx", console.export, name="export"),
    path("teams/", console.team_list, name="teams"),
    path("teams/<int:team_id>/", console.team_detail, name="team"),
    path("volunteers/<int:volunteer_id>/", console.volunteer_detail, name="volunteer"),
    path("entries/<int:entry_id>/correct/", console.entry_correct, name="correct"),
    path("time-bank/", console.time_bank, name="time_bank"),
    path(
        "time-bank/settlements/<int:settlement_id>/settle/",
        console.settlement_settle,
        name="settlement_settle",
    ),
    path("stars/", console.star_list, name="stars"),
    path("stars/compute/", console.star_compute, name="star_compute"),
    path("stars/<int:award_id>/decide/", console.star_decide, name="star_decide"),
]
