"""The public API (/api/v1/): one router per app, RFC 7807 problems, OpenAPI at openapi.json.

Callers sign in with the browser session (and CSRF) or an OAuth 2 bearer token of our own
provider (``shequ.sso.api_auth``).
"""

from typing import Any

from shequ.access.api import router as access_router
from shequ.appeals.api import router as appeals_router
from shequ.bookings.api import router as bookings_router
from shequ.casework.api import router as casework_router
from shequ.catalogue.api import router as catalogue_router
from shequ.civil.api import router as civil_router
from shequ.cogovernance.api import router as cogovernance_router
from shequ.core.api import ApiParser, ProblemDocumentedAPI, install_problem_handlers
from shequ.funds.api import router as funds_router
from shequ.indicators.api import router as indicators_router
from shequ.notices.api import router as notices_router
from shequ.participation.api import router as participation_router
from shequ.payments.api import router as payments_router
from shequ.people.api import router as people_router
from shequ.places.api import router as places_router
from shequ.planning.api import router as planning_router
from shequ.policies.api import router as policies_router
from shequ.portal.api import router as portal_router
from shequ.projects.api import router as projects_router
from shequ.ratings.api import router as ratings_router
from shequ.sso.api_auth import API_THROTTLES, document_scopes, install_token_handlers
from shequ.stories.api import router as stories_router
from shequ.surveys.api import router as surveys_router
from shequ.volunteers.api import router as volunteers_router


class ShequAPI(ProblemDocumentedAPI):
    """The API whose document also names the token scope each operation needs."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_scopes(schema)


api = ShequAPI(
    title="shequ API",
    version="1",
    description="社区 — divisions, residents and staff. Personal data is always masked.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=ApiParser(),
    # Per account and per department app; anonymous calls are not counted here.
    throttle=API_THROTTLES,
)
install_problem_handlers(api)
install_token_handlers(api)
api.add_router("/divisions", places_router)
api.add_router("/projects", projects_router)
api.add_router("/appeals", appeals_router)
api.add_router("/", people_router)
api.add_router("/notices", notices_router)
api.add_router("/catalogue", catalogue_router)
api.add_router("/casework", casework_router)
api.add_router("/bookings", bookings_router)
api.add_router("/payments", payments_router)
api.add_router("/ratings", ratings_router)
api.add_router("/funds", funds_router)
api.add_router("/civil", civil_router)
api.add_router("/surveys", surveys_router)
api.add_router("/participation", participation_router)
api.add_router("/volunteers", volunteers_router)
api.add_router("/indicators", indicators_router)
api.add_router("/access", access_router)
api.add_router("/", portal_router)
api.add_router("/policies", policies_router)
api.add_router("/stories", stories_router)
api.add_router("/planning", planning_router)
api.add_router("/cogovernance", cogovernance_router)
