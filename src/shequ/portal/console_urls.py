from django.urls import path

from shequ.portal import console

app_name = "portal_console"
urlpatterns = [
    path("", console.overview, name="overview"),
    path("freeze/", console.freeze, name="freeze"),
    path("reindex/", console.reindex, name="reindex"),
]
