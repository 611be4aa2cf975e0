from django.urls import path

from shequ.documents import views

app_name = "documents_verify"
urlpatterns = [
    path("", views.verify_form, name="form"),
    path("<str:number>/", views.verify, name="verify"),
]
