from django.urls import path

from shequ.cogovernance.console import agreements, designations, lists, organisations

app_name = "cogovernance_console"
urlpatterns = [
    path("", lists.lists_page, name="lists"),
    path("needs/new/", lists.need_new, name="need_new"),
    path("needs/<int:need_id>/", lists.need_detail, name="need"),
    path("needs/<int:need_id>/match/", lists.match_confirm, name="match_confirm"),
    path("needs/<int:need_id>/edit/", lists.need_edit, name="need_edit"),
    path("needs/<int:need_id>/close/", lists.need_close, name="need_close"),
    path("resources/<int:resource_id>/edit/", lists.resource_edit, name="resource_edit"),
    path("projects/<int:project_id>/edit/", lists.project_edit, name="project_edit"),
    path("projects/<int:project_id>/done/", lists.project_done, name="project_done"),
    path("resources/new/", lists.resource_new, name="resource_new"),
    path(
        "resources/<int:resource_id>/withdraw/",
        lists.resource_withdraw,
        name="resource_withdraw",
    ),
    path("projects/<int:project_id>/tie/", lists.project_tie, name="project_tie"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/new/", organisations.organisation_new, name="organisation_new"),
    path(
        "organisations/<int:organisation_id>/",
        organisations.organisation_detail,
        name="organisation",
    ),
    path(
        "organisations/<int:organisation_id>/members/",
        organisations.member_add,
        name="member_add",
    ),
    path("members/<int:member_id>/cease/", organisations.member_cease, name="member_cease"),
    path("members/<int:member_id>/edit/", organisations.member_edit, name="member_edit"),
    path("graph/<str:code>/", organisations.graph, name="graph"),
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements/new/", agreements.agreement_new, name="agreement_new"),
    path("agreements/<int:agreement_id>/", agreements.agreement_detail, name="agreement"),
    path(
        "agreements/<int:agreement_id>/commitments/",
        agreements.commitment_add,
        name="commitment_add",
    ),
    path("agreements/<int:agreement_id>/deliveries/", agreements.delivery_add, name="delivery_add"),
    path("agreements/<int:agreement_id>/edit/", agreements.agreement_edit, name="agreement_edit"),
    path(
        "commitments/<int:commitment_id>/edit/", agreements.commitment_edit, name="commitment_edit"
    ),
    path("designations/", designations.designation_list, name="designations"),
    path("designations/new/", designations.designation_new, name="designation_new"),
    path(
        "designations/<int:designation_id>/edit/",
        designations.designation_edit,
        name="designation_edit",
    ),
    path(
        "designations/<int:designation_id>/revoke/",
        designations.designation_revoke,
        name="designation_revoke",
    ),
]
