"""URL map: portal at /, console at /console/, API at /api/v1/."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from shequ.config.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("shequ.web.urls")),
    path("accounts/", include("shequ.people.urls")),
    path("console/", include("shequ.web.console_urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
