"""Pages: a NotFound or PermissionDenied raised by a service becomes a 404 or 403 page."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.core.errors import NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return render(request, "404.html", {"message": str(exception)}, status=404)
        if isinstance(exception, PermissionDenied):
            return render(request, "403.html", {"message": str(exception)}, status=403)
        return None
