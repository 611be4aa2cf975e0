from django.urls import path

from shequ.surveys import console

app_name = "surveys_console"
urlpatterns = [
    path("", console.survey_list, name="list"),
    path("<int:survey_id>/", console.survey_detail, name="detail"),
    path("<int:survey_id>/builder/", console.builder, name="builder"),
    path("<int:survey_id>/questions/<str:name>/edit/", console.question_edit, name="question_edit"),
    path("<int:survey_id>/xlsform/", console.survey_xlsform, name="xlsform"),
    path("<int:survey_id>/photos/<int:answer_id>/", console.survey_photo, name="photo"),
    path("<int:survey_id>/sample/", console.survey_sample, name="sample"),
    path("<int:survey_id>/sample/draw/", console.survey_sample_draw, name="draw"),
    path("<int:survey_id>/quota/", console.survey_quota, name="quota"),
    path("<int:survey_id>/results/", console.survey_results, name="results"),
    path("<int:survey_id>/results/xlsx/", console.survey_results_xlsx, name="results_xlsx"),
    path("<int:survey_id>/weights/", console.survey_weights, name="weights"),
    path("<int:survey_id>/results/publish/", console.survey_publish, name="publish"),
    path("<int:survey_id>/interviews/", console.interview_list, name="interviews"),
    path("<int:survey_id>/interviews/<int:invitation_id>/", console.interview, name="interview"),
    path("<int:survey_id>/export/", console.export_start, name="export"),
    path("tasks/<str:task_id>/", console.task_status, name="task"),
    path("tasks/<str:task_id>/download/", console.task_download, name="download"),
]
