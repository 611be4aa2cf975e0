from django.urls import path

from shequ.stories import console

app_name = "stories_console"
urlpatterns = [
    path("", console.queue, name="queue"),
    path("<int:item_id>/", console.item, name="item"),
    path("<int:item_id>/review/", console.review, name="review"),
    path("<int:item_id>/exhibit/", console.exhibit, name="exhibit"),
    path("<int:item_id>/label/", console.label, name="label"),
]
