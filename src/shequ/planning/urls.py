from django.urls import path

from shequ.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.my_consultations, name="mine"),
    path("<int:consultation_id>/", views.consultation, name="consultation"),
    path("<int:consultation_id>/sign-in/", views.sign_in, name="sign_in"),
    path("<int:consultation_id>/suggest/", views.suggest, name="suggest"),
    path("<int:consultation_id>/rate/", views.rate, name="rate"),
    path("reports/<int:report_id>/", views.report, name="report"),
    path("files/<str:kind>/<int:pk>/", views.media, name="media"),
]
