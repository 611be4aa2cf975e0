from django.urls import path

from shequ.projects import console

app_name = "projects_console"
urlpatterns = [
    path("", console.project_list, name="list"),
    path("new/", console.project_create, name="create"),
    path("monthly/", console.monthly_upload, name="monthly"),
    path("monthly/template.xlsx", console.monthly_template, name="monthly_template"),
    path("monthly/tasks/<str:task_id>/", console.monthly_task, name="task"),
    path("plan/", console.plan, name="plan"),
    path("plan/template.xlsx", console.plan_template, name="plan_template"),
    path("stats/", console.stats, name="stats"),
    path("stats/export.xlsx", console.stats_export, name="stats_export"),
    path("taxonomy/", console.taxonomy, name="taxonomy"),
    path("p/<str:code>/", console.project_detail, name="detail"),
    path("p/<str:code>/edit/", console.project_edit, name="edit"),
    path("p/<str:code>/<str:action>/", console.project_action, name="action"),
    path(
        "p/<str:code>/milestones/<int:milestone_id>/done/",
        console.milestone_done,
        name="milestone_done",
    ),
]
