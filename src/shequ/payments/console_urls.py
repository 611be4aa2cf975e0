from django.urls import path

from shequ.payments import console

app_name = "payments_console"
urlpatterns = [
    path("", console.bill_list, name="bills"),
    path("bills/<int:bill_id>/", console.bill_detail, name="bill"),
    path("companies/", console.companies, name="companies"),
    path("reconciliation/", console.reconciliation, name="reconciliation"),
]
