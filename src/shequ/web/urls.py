from django.urls import path

from shequ.portal import views as portal_views
from shequ.web import views

app_name = "web"
urlpatterns = [
    path("", portal_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
