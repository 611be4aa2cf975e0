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
    path("holidays/", console.holidays, name="holidays"),
]
