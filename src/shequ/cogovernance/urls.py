from django.urls import path

from shequ.cogovernance import views

app_name = "cogovernance"
urlpatterns = [
    path("", views.index, name="index"),
    path("c/<str:code>/", views.community_lists, name="lists"),
    path("demonstration/", views.demonstration, name="demonstration"),
]
