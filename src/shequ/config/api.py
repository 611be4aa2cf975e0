"""The public API (/api/v1/): one router per app, RFC 7807 problems, OpenAPI at openapi.json."""

from shequ.access.api import router as access_router
from shequ.bookings.api import router as bookings_router
from shequ.casework.api import router as casework_router
from shequ.catalogue.api import router as catalogue_router
from shequ.core.api import ApiParser, ProblemDocumentedAPI, install_problem_handlers
from shequ.funds.api import router as funds_router
from shequ.notices.api import router as notices_router
from shequ.participation.api import router as participation_router
from shequ.payments.api import router as payments_router
from shequ.people.api import router as people_router
from shequ.places.api import router as places_router
from shequ.projects.api import router as projects_router
from shequ.surveys.api import router as surveys_router

api = ProblemDocumentedAPI(
    title="shequ API",
    version="1",
    description="社区 — divisions, residents and staff. Personal data is always masked.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=ApiParser(),
)
install_problem_handlers(api)
api.add_router("/divisions", places_router)
api.add_router("/projects", projects_router)
api.add_router("/", people_router)
api.add_router("/notices", notices_router)
api.add_router("/catalogue", catalogue_router)
api.add_router("/casework", casework_router)
api.add_router("/bookings", bookings_router)
api.add_router("/payments", payments_router)
api.add_router("/funds", funds_router)
api.add_router("/surveys", surveys_router)
api.add_router("/participation", participation_router)
api.add_router("/access", access_router)
