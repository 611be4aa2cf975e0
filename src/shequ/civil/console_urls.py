from django.urls import path

from shequ.civil import console, console_calls

app_name = "civil_console"
urlpatterns = [
    path("", console.organisation_list, name="list"),
    path("new/", console.organisation_new, name="new"),
    path("<int:organisation_id>/", console.organisation_detail, name="detail"),
    path("<int:organisation_id>/edit/", console.organisation_edit, name="edit"),
    path("calls/", console_calls.call_list, name="calls"),
    path("experts/<int:expert_id>/", console_calls.expert_detail, name="expert"),
    path("calls/new/", console_calls.call_new, name="call_new"),
    path("calls/<int:call_id>/", console_calls.call_detail, name="call"),
    path(
        "applications/<int:application_id>/", console_calls.application_detail, name="application"
    ),
    path("contracts/<int:contract_id>/", console_calls.contract_detail, name="contract"),
]
