"""Everything under /console/: staff pages of every app, one namespace."""

from django.urls import path

from shequ.core import console as core_console
from shequ.people import console as people_console
from shequ.places import console as places_console
from shequ.web import picker_views, views

app_name = "console"
urlpatterns = [
    path("", views.console_home, name="home"),
    path("pickers/divisions/", picker_views.picker_divisions, name="picker_divisions"),
    path("pickers/people/", picker_views.picker_people, name="picker_people"),
    path("divisions/<str:code>/", places_console.division_detail, name="division"),
    path("residents/", people_console.resident_list, name="resident_list"),
    path("residents/<int:resident_id>/", people_console.resident_detail, name="resident_detail"),
    path(
        "residents/<int:resident_id>/verify/",
        people_console.resident_verify,
        name="resident_verify",
    ),
    path(
        "residents/<int:resident_id>/reveal/",
        people_console.resident_reveal,
        name="resident_reveal",
    ),
    path("audit/", core_console.audit_list, name="audit"),
    path(
        "audit/export.csv",
        core_console.audit_export,
        {"file_format": "csv"},
        name="audit_export_csv",
    ),
    path(
        "audit/export.xlsx",
        core_console.audit_export,
        {"file_format": "xlsx"},
        name="audit_export_xlsx",
    ),
    path("staff/", people_console.staff_list, name="staff"),
    path("staff/new/", people_console.staff_create, name="staff_create"),
    path("staff/<int:user_id>/", people_console.staff_detail, name="staff_detail"),
    path("staff/<int:user_id>/roles/", people_console.staff_role_add, name="staff_role_add"),
    path(
        "staff/<int:user_id>/deactivate/",
        people_console.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "staff/<int:user_id>/password-reset/",
        people_console.staff_password_reset,
        name="staff_password_reset",
    ),
    path(
        "staff/<int:user_id>/two-factor-reset/",
        people_console.staff_two_factor_reset,
        name="staff_two_factor_reset",
    ),
    path(
        "staff/roles/<int:staff_role_id>/withdraw/",
        people_console.staff_role_withdraw,
        name="staff_role_withdraw",
    ),
    path("departments/", people_console.department_list, name="departments"),
    path(
        "departments/<int:department_id>/",
        people_console.department_detail,
        name="department_detail",
    ),
    path(
        "departments/<int:department_id>/active/",
        people_console.department_set_active,
        name="department_set_active",
    ),
]
