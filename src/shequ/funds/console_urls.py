from django.urls import path

from shequ.funds import console

app_name = "funds_console"
urlpatterns = [
    path("", console.funds_home, name="home"),
    path("report/", console.report, name="report"),
    path("formula/<int:year>/<str:district>/", console.formula_edit, name="formula"),
    path("allocations/<int:year>/post/", console.allocation_post, name="post"),
    path("allocations/<int:year>/scores/", console.scores_import, name="scores"),
    path("allocations/<int:year>/pool/", console.pool_save, name="pool"),
    path("community/<str:code>/", console.community, name="community"),
    path("community/<str:code>/decisions/", console.decision_create, name="decision_create"),
    path("community/<str:code>/commitments/", console.commitment_create, name="commit"),
    path("community/<str:code>/donations/", console.donation_create, name="donation"),
    path("commitments/<int:commitment_id>/pay/", console.payment_create, name="pay"),
    path("commitments/<int:commitment_id>/close/", console.commitment_close, name="close"),
    path("objections/<int:objection_id>/answer/", console.objection_answer, name="answer"),
]
