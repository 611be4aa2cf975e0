from django.urls import path

from shequ.policies import console

app_name = "policies_console"
urlpatterns = [
    path("", console.policy_list, name="list"),
    path("new/", console.policy_new, name="new"),
    path("<int:policy_id>/", console.policy_edit, name="edit"),
    path("<int:policy_id>/publish/", console.policy_publish, name="publish"),
    path("<int:policy_id>/relations/", console.relation_add, name="relation_add"),
    path("<int:policy_id>/attachments/", console.attachment_add, name="attachment_add"),
]
