from django.urls import path

from shequ.stories import views

app_name = "stories"
urlpatterns = [
    path("", views.index, name="index"),
    path("c/<str:code>/", views.community_gallery, name="gallery"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/<str:which>/", views.media, name="media"),
    path("l/<str:code>/", views.label, name="label"),
    path("donate/", views.donate, name="donate"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:item_id>/withdraw/", views.withdraw, name="withdraw"),
]
