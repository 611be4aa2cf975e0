from django.urls import path, re_path

from shequ.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.community_funds, name="community"),
    path("<str:code>/disclosure.csv", views.disclosure_csv, name="disclosure_csv"),
    path("<str:code>/disclosure.xlsx", views.disclosure_xlsx, name="disclosure_xlsx"),
    path("receipts/<int:payment_id>/", views.payment_receipt, name="payment_receipt"),
    path("donations/<int:donation_id>/receipt/", views.donation_receipt, name="donation_receipt"),
    path("decisions/<int:approval_id>/minutes/", views.decision_minutes, name="minutes"),
    path("decisions/<int:approval_id>/object/", views.object_to_decision, name="object"),
    # The full list of one section of a community's disclosure, paginated.
    re_path(
        r"^(?P<code>\d{12})/(?P<section>decisions|spending|reservations|allocations|donations)/$",
        views.community_section,
        name="section",
    ),
]
