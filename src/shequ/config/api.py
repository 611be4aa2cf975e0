"""The public API (/api/v1/): one router per app, RFC 7807 problems, OpenAPI at openapi.json."""

from ninja import NinjaAPI

from shequ.core.api import install_problem_handlers
from shequ.people.api import router as people_router
from shequ.places.api import router as places_router

api = NinjaAPI(
    title="shequ API",
    version="1",
    description="社区 — divisions, residents and staff. Personal data is always masked.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_problem_handlers(api)
api.add_router("/divisions", places_router)
api.add_router("/", people_router)
