from django.urls import path

from shequ.appeals import views, views_followups

app_name = "appeals"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("map/", views.public_map, name="map"),
    path("map/points.json", views.map_points, name="map_points"),
    path("rates/", views.rates, name="rates"),
    path("new/", views.new, name="new"),
    path("nearby/", views.nearby, name="nearby"),
    path("places/", views.places, name="places"),
    path("mine/", views.mine, name="mine"),
    path("followups/<int:followup_id>/", views_followups.followup, name="followup"),
    path("<int:appeal_id>/", views.detail, name="detail"),
    path("<int:appeal_id>/rate/", views.rate, name="rate"),
    path("<int:appeal_id>/follow/", views.follow, name="follow"),
]
