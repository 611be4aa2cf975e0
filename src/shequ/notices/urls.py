from django.urls import path

from shequ.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/", views.message_open, name="message"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("community/", views.community_notices, name="community_list"),
    path("community/<int:notice_id>/", views.community_notice, name="community_detail"),
]
