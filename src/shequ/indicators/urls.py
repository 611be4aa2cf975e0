from django.urls import path

from shequ.indicators import views

app_name = "indicators"
urlpatterns = [
    path("top-ten/", views.top_ten_list, name="top_ten"),
    path("top-ten/<int:selection_id>/", views.top_ten_vote, name="top_ten_vote"),
]
