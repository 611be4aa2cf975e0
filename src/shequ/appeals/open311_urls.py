from django.urls import path, register_converter

from shequ.appeals import open311


class FormatConverter:
    """The answer's format, from the address's ending."""

    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")

app_name = "open311"
urlpatterns = [
    path("discovery.<fmt:fmt>", open311.discovery, name="discovery"),
    path("services.<fmt:fmt>", open311.services, name="services"),
    path("services/<slug:service_code>.<fmt:fmt>", open311.service_definition, name="service"),
    path("requests.<fmt:fmt>", open311.requests, name="requests"),
    path("requests/<slug:service_request_id>.<fmt:fmt>", open311.request_one, name="request"),
]
