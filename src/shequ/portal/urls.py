from django.urls import path

from shequ.portal import views

app_name = "portal"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("report/", views.report, name="report"),
    path("display/large-text/", views.large_text, name="large_text"),
    path("dashboards/", views.dashboard, name="dashboard"),
    path("dashboards/<str:code>/", views.dashboard, name="dashboard_division"),
    path("open-data/", views.catalogue, name="open_data"),
    path("open-data/catalog.jsonld", views.catalogue_jsonld, name="open_data_jsonld"),
    path("open-data/<slug:dataset>/", views.dataset_detail, name="dataset"),
    path("open-data/<slug:dataset>/latest.<str:fmt>", views.dataset_download, name="download"),
    path(
        "open-data/<slug:dataset>/<int:snapshot_id>.<str:fmt>",
        views.dataset_download,
        name="snapshot_download",
    ),
]
