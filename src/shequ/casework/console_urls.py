from django.urls import path

from shequ.casework import console

app_name = "casework_console"
urlpatterns = [
    path("", console.queue, name="queue"),
    path("bulk/", console.bulk, name="bulk"),
    path("<int:application_id>/", console.detail, name="detail"),
    path("<int:application_id>/act/", console.act, name="act"),
    path("<int:application_id>/reveal/", console.reveal, name="reveal"),
    path("forms/<int:service_id>/", console.form_builder, name="form_builder"),
    path("forms/<int:service_id>/add/", console.form_item_add, name="form_item_add"),
    path(
        "forms/<int:service_id>/items/<str:section>/<str:name>/",
        console.form_item_edit,
        name="form_item_edit",
    ),
    path(
        "forms/<int:service_id>/items/<str:section>/<str:name>/move/",
        console.form_item_move,
        name="form_item_move",
    ),
    path(
        "forms/<int:service_id>/items/<str:section>/<str:name>/delete/",
        console.form_item_delete,
        name="form_item_delete",
    ),
    path("forms/<int:service_id>/eligibility/", console.form_eligibility, name="form_eligibility"),
    path("forms/<int:service_id>/publish/", console.form_publish, name="form_publish"),
    path("forms/<int:service_id>/discard/", console.form_discard, name="form_discard"),
    path("forms/<int:service_id>/preview/", console.form_preview, name="form_preview"),
    path("forms/<int:service_id>/import/", console.form_import, name="form_import"),
    path("holidays/", console.holidays, name="holidays"),
]
