from django.urls import path

from shequ.planning import console

app_name = "planning_console"
urlpatterns = [
    path("", console.consultation_list, name="consultations"),
    path("assignments/", console.assignment_list, name="assignments"),
    path("c/<int:consultation_id>/", console.consultation, name="consultation"),
    path("c/<int:consultation_id>/status/", console.consultation_status, name="status"),
    path("c/<int:consultation_id>/notes/", console.consultation_notes, name="notes"),
    path("c/<int:consultation_id>/qr/", console.consultation_qr, name="qr"),
    path("c/<int:consultation_id>/people/", console.consultation_people, name="people"),
    path("suggestions/", console.suggestion_list, name="suggestions"),
    path("suggestions/<int:suggestion_id>/promote/", console.suggestion_promote, name="promote"),
    path("plans/", console.plan_list, name="plans"),
    path("plans/<int:plan_id>/", console.plan, name="plan"),
    path("worklog/", console.worklog_page, name="worklog"),
    path("reports/", console.report_list, name="reports"),
    path("reports/<int:report_id>/", console.report, name="report"),
]
