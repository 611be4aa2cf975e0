from django.urls import path

from shequ.volunteers import manage, views

app_name = "volunteers"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("profile/", views.profile, name="profile"),
    path("leave/", views.leave, name="leave"),
    path("return/", views.come_back, name="return"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<int:team_id>/join/", views.team_join, name="team_join"),
    path("teams/<int:team_id>/leave/", views.team_leave, name="team_leave"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("slots/<int:slot_id>/signup/", views.signup, name="signup"),
    path("signups/<int:signup_id>/withdraw/", views.withdraw, name="withdraw"),
    path("check/<str:token>/", views.check, name="check"),
    path("hours/", views.hours, name="hours"),
    path("certificate/", views.certificate, name="certificate"),
    path("stars/", views.star_list, name="stars"),
    path("stars/<int:award_id>/object/", views.star_object, name="star_object"),
    # Time bank (时间银行)
    path("time-bank/", views.time_bank, name="time_bank"),
    path("time-bank/deposit/", views.time_deposit, name="time_deposit"),
    path("time-bank/give/", views.time_give, name="time_give"),
    path("time-bank/offers/", views.time_offers, name="time_offers"),
    path(
        "time-bank/offers/<int:offer_id>/request/",
        views.time_offer_request,
        name="time_offer_request",
    ),
    path("time-bank/offers/<int:offer_id>/close/", views.time_offer_close, name="time_offer_close"),
    path(
        "time-bank/requests/<int:request_id>/confirm/",
        views.time_request_confirm,
        name="time_request_confirm",
    ),
    path(
        "time-bank/requests/<int:request_id>/cancel/",
        views.time_request_cancel,
        name="time_request_cancel",
    ),
    # Team leaders and area workers
    path("manage/", manage.index, name="manage"),
    path("manage/teams/<int:team_id>/", manage.team, name="manage_team"),
    path("manage/requests/<int:membership_id>/", manage.decide, name="manage_decide"),
    path("manage/activities/new/", manage.activity_new, name="manage_activity_new"),
    path("manage/activities/<int:activity_id>/", manage.activity, name="manage_activity"),
    path(
        "manage/activities/<int:activity_id>/publish/",
        manage.activity_publish,
        name="manage_publish",
    ),
    path(
        "manage/activities/<int:activity_id>/cancel/",
        manage.activity_cancel,
        name="manage_cancel",
    ),
    path("manage/activities/<int:activity_id>/qr/", manage.qr_page, name="manage_qr"),
    path("manage/activities/<int:activity_id>/qr.svg", manage.qr_svg, name="manage_qr_svg"),
    path("manage/slots/<int:slot_id>/", manage.slot, name="manage_slot"),
    path("manage/slots/<int:slot_id>/mark/<int:signup_id>/", manage.mark, name="manage_mark"),
    path("manage/slots/<int:slot_id>/no-shows/", manage.no_shows, name="manage_no_shows"),
]
