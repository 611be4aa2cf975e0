from django.urls import path

from shequ.catalogue import console

app_name = "catalogue_console"
urlpatterns = [
    path("", console.service_list, name="list"),
    path("new/", console.service_create, name="create"),
    path("<int:service_id>/", console.service_edit, name="edit"),
    path("topics/", console.topic_list, name="topics"),
    path("topics/<int:topic_id>/", console.topic_edit, name="topic"),
]
