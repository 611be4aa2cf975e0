from django.urls import path

from shequ.sso import views

app_name = "sso"
urlpatterns = [
    path("apps/", views.authorised_apps, name="authorised_apps"),
    path("apps/<int:consent_id>/revoke/", views.consent_revoke, name="consent_revoke"),
]
