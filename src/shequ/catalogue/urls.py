from django.urls import path

from shequ.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.catalogue_home, name="home"),
    path("services/<int:service_id>/", views.service_detail, name="service"),
]
