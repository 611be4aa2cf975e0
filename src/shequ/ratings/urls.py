from django.urls import path

from shequ.ratings import views

app_name = "ratings"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("rate/<str:subject>/<int:subject_id>/", views.rate, name="rate"),
    path("<int:rating_id>/", views.detail, name="detail"),
    path("<int:rating_id>/comment/", views.comment, name="comment"),
    path("<int:rating_id>/confirm/", views.confirm, name="confirm"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<slug:code>/", views.department_detail, name="department"),
]
