from django.urls import path

from shequ.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("map/", views.project_map, name="map"),
    path("mine/", views.my_projects, name="mine"),
    path("<str:code>/", views.project_detail, name="detail"),
    path("<str:code>/follow/", views.project_follow, name="follow"),
]
