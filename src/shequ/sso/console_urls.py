from django.urls import path

from shequ.sso import console

app_name = "sso_console"
urlpatterns = [
    path("", console.app_list, name="app_list"),
    path("<int:app_id>/", console.app_detail, name="app_detail"),
    path("<int:app_id>/rotate-secret/", console.app_rotate_secret, name="app_rotate_secret"),
    path("keys/rotate/", console.signing_key_rotate, name="signing_key_rotate"),
]
