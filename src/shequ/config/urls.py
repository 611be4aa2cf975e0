"""URL map: portal at /, console at /console/, API at /api/v1/, Open311 at /open311/v2/."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

from shequ.config.api import api
from shequ.sso.endpoints import DiscoveryView

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("shequ.web.urls")),
    path("", include("shequ.portal.urls")),
    path("accounts/", include("shequ.people.urls")),
    path("notices/", include("shequ.notices.urls")),
    path("console/notices/", include("shequ.notices.console_urls")),
    path("o/", include("shequ.sso.oidc_urls")),
    path(".well-known/openid-configuration", DiscoveryView.as_view(), name="oidc-discovery"),
    path("sso/", include("shequ.sso.urls")),
    path("console/sso/", include("shequ.sso.console_urls")),
    path("catalogue/", include("shequ.catalogue.urls")),
    path("console/catalogue/", include("shequ.catalogue.console_urls")),
    path("civil/", include("shequ.civil.urls")),
    path("console/civil/", include("shequ.civil.console_urls")),
    path("funds/", include("shequ.funds.urls")),
    path("console/funds/", include("shequ.funds.console_urls")),
    path("projects/", include("shequ.projects.urls")),
    path("console/projects/", include("shequ.projects.console_urls")),
    path("surveys/", include("shequ.surveys.urls")),
    path("console/surveys/", include("shequ.surveys.console_urls")),
    path("participation/", include("shequ.participation.urls")),
    path("console/participation/", include("shequ.participation.console_urls")),
    path("casework/", include("shequ.casework.urls")),
    path("console/casework/", include("shequ.casework.console_urls")),
    path("bookings/", include("shequ.bookings.urls")),
    path("console/bookings/", include("shequ.bookings.console_urls")),
    path("payments/", include("shequ.payments.urls")),
    path("console/payments/", include("shequ.payments.console_urls")),
    path("ratings/", include("shequ.ratings.urls")),
    path("console/ratings/", include("shequ.ratings.console_urls")),
    path("appeals/", include("shequ.appeals.urls")),
    path("console/appeals/", include("shequ.appeals.console_urls")),
    path("open311/v2/", include("shequ.appeals.open311_urls")),
    path("volunteers/", include("shequ.volunteers.urls")),
    path("console/volunteers/", include("shequ.volunteers.console_urls")),
    path("indicators/", include("shequ.indicators.urls")),
    path("console/indicators/", include("shequ.indicators.console_urls")),
    path("console/access/", include("shequ.access.console_urls")),
    path("documents/", include("shequ.documents.urls")),
    path("console/documents/", include("shequ.documents.console_urls")),
    path("verify/", include("shequ.documents.verify_urls")),
    path("console/portal/", include("shequ.portal.console_urls")),
    path("policies/", include("shequ.policies.urls")),
    path("console/policies/", include("shequ.policies.console_urls")),
    path("stories/", include("shequ.stories.urls")),
    path("console/stories/", include("shequ.stories.console_urls")),
    path("planning/", include("shequ.planning.urls")),
    path("console/planning/", include("shequ.planning.console_urls")),
    path("cogovernance/", include("shequ.cogovernance.urls")),
    path("console/cogovernance/", include("shequ.cogovernance.console_urls")),
    path("console/", include("shequ.web.console_urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
# Unreadable requests (too large, broken multipart) in the visitor's language.
handler400 = "shequ.web.errors.bad_request"

if settings.SERVE_MEDIA:
    # Uploaded files on a laptop (``make run`` and ``make dev`` alike); a deployment serves
    # MEDIA_ROOT from nginx. Django's ``static()`` helper would stop with DEBUG off.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
