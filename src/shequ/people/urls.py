from django.contrib.auth.views import LogoutView
from django.urls import path

from shequ.people import views

app_name = "people"
urlpatterns = [
    path("login/", views.ShequLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("register/", views.register, name="register"),
    path("register/confirm/", views.register_confirm, name="register_confirm"),
    path("id-check/", views.id_check, name="id_check"),
    path("division-options/", views.division_options, name="division_options"),
    path("profile/", views.profile, name="profile"),
    path("profile/email/", views.email_edit, name="email_edit"),
    path("profile/password/", views.password_change, name="password_change"),
    path("verify-authority/", views.verify_by_authority, name="verify_by_authority"),
    path("password-reset/", views.password_reset_request, name="password_reset"),
    path("password-reset/confirm/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/email/", views.password_reset_by_email, name="password_reset_email"),
    # The link a new or reset staff account gets by text message: the same page as the e-mail's.
    path("password/set/<str:uidb64>/<str:token>/", views.password_reset_link, name="password_set"),
    path(
        "password-reset/email/<str:uidb64>/<str:token>/",
        views.password_reset_link,
        name="password_reset_link",
    ),
]
