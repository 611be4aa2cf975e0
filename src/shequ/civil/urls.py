from django.urls import path

from shequ.civil import views

app_name = "civil"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("invitations/<int:invitation_id>/accept/", views.invitation_accept, name="accept"),
    path("<int:organisation_id>/", views.organisation_detail, name="detail"),
    path("<int:organisation_id>/applications/", views.org_applications, name="org_applications"),
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:call_id>/", views.call_detail, name="call"),
    path("calls/<int:call_id>/apply/", views.apply, name="apply"),
    path("applications/<int:application_id>/draft/", views.draft, name="draft"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path(
        "evaluations/<int:evaluation_id>/report/",
        views.evaluation_report,
        name="evaluation_report",
    ),
    path("contracts/<int:contract_id>/", views.contract_detail, name="contract"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:review_id>/", views.review_score, name="review"),
]
