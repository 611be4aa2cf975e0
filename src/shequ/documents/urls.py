from django.urls import path

from shequ.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.wallet, name="wallet"),
    path("<int:document_id>/pdf/", views.download, name="download"),
]
