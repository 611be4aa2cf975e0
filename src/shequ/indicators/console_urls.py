from django.urls import path

from shequ.indicators import console, console_tree

app_name = "indicators_console"
urlpatterns = [
    path("", console.home, name="home"),
    path("results/", console.results, name="results"),
    path("units/<str:code>/", console.unit, name="unit"),
    path("values/<int:value_id>/records/<str:part>/", console.value_records, name="records"),
    path("tree/", console_tree.tree, name="tree"),
    path("tree/install/", console_tree.tree_install, name="tree_install"),
    path("tree/<int:version_id>/", console_tree.tree, name="tree_version"),
    path("tree/<int:version_id>/new/", console_tree.version_new, name="version_new"),
    path("tree/<int:version_id>/method/", console_tree.version_method, name="version_method"),
    path("tree/<int:version_id>/add/", console_tree.indicator_add, name="indicator_add"),
    path("tree/<int:version_id>/publish/", console_tree.version_publish, name="version_publish"),
    path("nodes/<int:node_id>/", console_tree.node_edit, name="node_edit"),
    path("indicators/<int:indicator_id>/", console_tree.indicator_edit, name="indicator_edit"),
    path("entry/", console.entry, name="entry"),
    path("entry/import/", console.entry_import, name="entry_import"),
    path("entry/template.xlsx", console.entry_template, name="entry_template"),
    path("runs/", console.runs, name="runs"),
    path("runs/<int:run_id>/", console.run_detail, name="run_detail"),
    path("runs/<int:run_id>/publish/", console.run_publish, name="run_publish"),
    path("runs/<int:run_id>/withdraw/", console.run_withdraw, name="run_withdraw"),
    path("periods/close/", console.period_close, name="period_close"),
    path("top-ten/", console.top_ten, name="top_ten"),
    path("top-ten/<int:selection_id>/", console.top_ten_detail, name="top_ten_detail"),
    path("top-ten/funds/", console.scores_to_funds, name="scores_to_funds"),
]
