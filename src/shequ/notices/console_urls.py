from django.urls import path

from shequ.notices import console

app_name = "notices_console"
urlpatterns = [
    path("", console.notice_list, name="list"),
]
