from django.urls import path

from shequ.appeals import console, console_clusters, console_handling

app_name = "appeals_console"
urlpatterns = [
    path("", console.queue, name="queue"),
    path("call/", console.call, name="call"),
    path("catalogue/", console.catalogue, name="catalogue"),
    path("catalogue/rows/<int:row_id>/retire/", console.retire_row, name="retire_row"),
    path("categories/", console.categories, name="categories"),
    path("categories/new/", console.category_edit, name="category_new"),
    path("categories/<int:category_id>/", console.category_edit, name="category_edit"),
    path("extensions/", console.extensions, name="extensions"),
    path(
        "extensions/<int:extension_id>/decide/",
        console.extension_decide_view,
        name="extension_decide",
    ),
    path("units/", console.units, name="units"),
    path("clusters/", console_clusters.clusters, name="clusters"),
    path("clusters/<int:cluster_id>/", console_clusters.cluster, name="cluster"),
    path(
        "clusters/<int:cluster_id>/merge/",
        console_clusters.cluster_merge_view,
        name="cluster_merge",
    ),
    path(
        "clusters/<int:cluster_id>/detach/",
        console_clusters.cluster_detach_view,
        name="cluster_detach",
    ),
    path("units/<int:unit_id>/head/", console_handling.unit_head, name="unit_head"),
    path("overdue/", console_handling.overdue, name="overdue"),
    path("templates/", console_handling.templates, name="templates"),
    path(
        "templates/<int:template_id>/delete/",
        console_handling.template_delete,
        name="template_delete",
    ),
    path("open311-keys/", console.open311_keys, name="open311_keys"),
    path(
        "open311-keys/<int:key_id>/revoke/",
        console.open311_key_revoke_view,
        name="open311_key_revoke",
    ),
    path("<int:appeal_id>/", console.detail, name="detail"),
    path("<int:appeal_id>/outcome/", console.outcome, name="outcome"),
    path("<int:appeal_id>/<slug:action>/", console.act, name="act"),
]
