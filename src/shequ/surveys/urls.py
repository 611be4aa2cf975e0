from django.urls import path

from shequ.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.my_surveys, name="mine"),
    path("<int:survey_id>/answer/", views.answer_as_resident, name="answer"),
    path("i/<str:token>/", views.answer_by_invitation, name="invitation"),
    path("open/<str:slug>/", views.answer_open, name="open"),
    path("thanks/", views.thanks, name="thanks"),
]
