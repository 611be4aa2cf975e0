from django.urls import path

from shequ.casework import views

app_name = "casework"
urlpatterns = [
    path("", views.my_list, name="my_list"),
    path("apply/<int:service_id>/", views.apply, name="apply"),
    path("<int:application_id>/", views.detail, name="detail"),
    path("<int:application_id>/resubmit/", views.resubmit, name="resubmit"),
    path("<int:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("places/", views.place_options, name="place_options"),
]
