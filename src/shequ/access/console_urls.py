from django.urls import path

from shequ.access import console

app_name = "access_console"
urlpatterns = [
    path("", console.index, name="index"),
    path("runs/", console.run_start, name="run_start"),
    path("upload/", console.upload, name="upload"),
    path("networks/", console.network_upload, name="network_upload"),
    path("imports/<int:import_id>/", console.import_detail, name="import"),
    path("imports/<int:import_id>/progress/", console.import_progress, name="import_progress"),
    path("categories/", console.categories, name="categories"),
    path("compare/", console.compare, name="compare"),
    path("to-locate/", console.to_locate, name="to_locate"),
    path("r/<int:run_id>/", console.run_detail, name="run"),
    path("r/<int:run_id>/progress/", console.run_progress, name="progress"),
    path("r/<int:run_id>/map/", console.run_map, name="map"),
    path("r/<int:run_id>/coverage.xlsx", console.run_export_xlsx, name="export_xlsx"),
    path("r/<int:run_id>/coverage.geojson", console.run_export_geojson, name="export_geojson"),
    path("r/<int:run_id>/siting/", console.siting_create, name="siting_create"),
    path("s/<int:siting_id>/", console.siting_detail, name="siting"),
    path("s/<int:siting_id>/what-if/", console.siting_what_if, name="siting_what_if"),
]
