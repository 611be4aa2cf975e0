from django.urls import path

from shequ.cogovernance import console

app_name = "cogovernance_console"
urlpatterns = [
    path("", console.lists_page, name="lists"),
    path("needs/new/", console.need_new, name="need_new"),
    path("needs/<int:need_id>/", console.need_detail, name="need"),
    path("needs/<int:need_id>/match/", console.match_confirm, name="match_confirm"),
    path("resources/new/", console.resource_new, name="resource_new"),
    path(
        "resources/<int:resource_id>/withdraw/",
        console.resource_withdraw,
        name="resource_withdraw",
    ),
    path("projects/<int:project_id>/tie/", console.project_tie, name="project_tie"),
    path("organisations/", console.organisation_list, name="organisations"),
    path("organisations/new/", console.organisation_new, name="organisation_new"),
    path(
        "organisations/<int:organisation_id>/",
        console.organisation_detail,
        name="organisation",
    ),
    path(
        "organisations/<int:organisation_id>/members/",
        console.member_add,
        name="member_add",
    ),
    path("members/<int:member_id>/cease/", console.member_cease, name="member_cease"),
    path("graph/<str:code>/", console.graph, name="graph"),
    path("agreements/", console.agreement_list, name="agreements"),
    path("agreements/new/", console.agreement_new, name="agreement_new"),
    path("agreements/<int:agreement_id>/", console.agreement_detail, name="agreement"),
    path(
        "agreements/<int:agreement_id>/commitments/",
        console.commitment_add,
        name="commitment_add",
    ),
    path("agreements/<int:agreement_id>/deliveries/", console.delivery_add, name="delivery_add"),
    path("designations/", console.designation_list, name="designations"),
    path("designations/new/", console.designation_new, name="designation_new"),
]
