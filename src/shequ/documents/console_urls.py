from django.urls import path

from shequ.documents import console

app_name = "documents_console"
urlpatterns = [
    path("issue/<int:application_id>/", console.issue, name="issue"),
    path("<int:document_id>/revoke/", console.revoke, name="revoke"),
    path("services/<int:service_id>/", console.result_template, name="result_template"),
]
