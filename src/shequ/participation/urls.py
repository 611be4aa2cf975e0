from django.urls import path

from shequ.participation import views

app_name = "participation"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<str:code>/", views.community, name="community"),
    path("c/<str:code>/propose/", views.propose, name="propose"),
    path("c/<str:code>/debates/", views.debate_list, name="debates"),
    path("debates/<int:debate_id>/", views.debate_detail, name="debate"),
    path("proposals/", views.proposal_find, name="find"),
    path("proposals/points.json", views.proposal_points, name="points"),
    path("proposals/<int:proposal_id>/", views.proposal, name="proposal"),
    path("proposals/<int:proposal_id>/support/", views.support, name="support"),
    path("proposals/<int:proposal_id>/follow/", views.follow, name="follow"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/register/", views.meeting_register, name="register"),
    path("meetings/<int:meeting_id>/calendar.ics", views.meeting_calendar, name="calendar"),
    path("meetings/<int:meeting_id>/sign-in/<str:token>/", views.meeting_sign_in, name="sign_in"),
    path("meetings/<int:meeting_id>/items/<int:item_id>/vote/", views.item_vote, name="item_vote"),
    path("discuss/<str:target>/<str:key>/", views.discussion, name="discussion"),
    path("comments/<str:target>/<str:key>/", views.comment_post, name="comment_post"),
    path("comment/<int:comment_id>/vote/", views.comment_vote, name="comment_vote"),
    path("comment/<int:comment_id>/report/", views.comment_report, name="comment_report"),
]
