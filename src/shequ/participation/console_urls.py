from django.urls import path

from shequ.participation import console, console_rounds

app_name = "participation_console"
urlpatterns = [
    path("", console.index, name="index"),
    path("c/", console.community_pick, name="community_pick"),
    path("c/<str:code>/", console.community_page, name="community"),
    path("c/<str:code>/councils/new/", console.council_create, name="council_create"),
    path("c/<str:code>/rounds/new/", console_rounds.round_create, name="round_create"),
    path("c/<str:code>/debates/new/", console.debate_open, name="debate_open"),
    path("debates/<int:debate_id>/", console.debate_page, name="debate"),
    path("debates/<int:debate_id>/edit/", console.debate_edit, name="debate_edit"),
    path("proposals/<int:proposal_id>/hide/", console.proposal_hide, name="proposal_hide"),
    path("proposals/<int:proposal_id>/merge/", console.proposal_merge, name="proposal_merge"),
    path("councils/<int:council_id>/", console.council_page, name="council"),
    path("rounds/<int:round_id>/", console_rounds.round_page, name="round"),
    path("rounds/<int:round_id>/rules/", console_rounds.round_rules, name="rules"),
    path("rounds/<int:round_id>/dates/", console_rounds.round_dates, name="dates"),
    path("rounds/<int:round_id>/projects/new/", console_rounds.project_add, name="project_add"),
    path("rounds/<int:round_id>/decision/", console_rounds.round_decision, name="decision"),
    path("projects/<int:project_id>/built/", console_rounds.project_built, name="built"),
    path("projects/<int:project_id>/review/", console_rounds.project_review, name="review"),
    path("meetings/<int:meeting_id>/", console.meeting_page, name="meeting"),
    path("comments/", console.comment_queue, name="comments"),
    path("comments/<int:comment_id>/moderate/", console.comment_moderate, name="comment_moderate"),
    path("proposals/<int:proposal_id>/answer/", console.proposal_answer, name="answer"),
]
