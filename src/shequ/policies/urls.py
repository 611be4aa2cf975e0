from django.urls import path

from shequ.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.library, name="library"),
    path("<int:policy_id>/", views.policy_detail, name="detail"),
    path("files/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
