from django.urls import path

from shequ.payments import views

app_name = "payments"
urlpatterns = [
    path("", views.bill_list, name="bill_list"),
    path("bills/<int:bill_id>/", views.bill_detail, name="bill"),
    path("bills/<int:bill_id>/pay/", views.pay, name="pay"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:account_id>/unbind/", views.unbind, name="unbind"),
    path("donate/<str:code>/", views.donate, name="donate"),
    path("gateway/<str:txn_id>/", views.gateway, name="gateway"),
]
