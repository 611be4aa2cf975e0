"""The site-wide search over the API: the same results, scoped to the caller."""

from django.http import HttpRequest
from ninja import Router, Schema

from shequ.portal import selectors
from shequ.sso.api_auth import PUBLIC_OR_SIGNED_IN

router = Router(tags=["portal"])


class PortalHitOut(Schema):
    title: str
    snippet: str
    url: str


class PortalGroupOut(Schema):
    kind: str
    label: str
    more: bool
    hits: list[PortalHitOut]


class PortalSearchOut(Schema):
    query: str
    truncated: bool
    groups: list[PortalGroupOut]


@router.get("/search", response=PortalSearchOut, auth=PUBLIC_OR_SIGNED_IN)
def search(request: HttpRequest, q: str, kind: str = "") -> PortalSearchOut:
    """Everything the caller may see matching ``q`` (anonymous: public items only; a session
    or a bearer token: what that person or department may see), grouped by kind; ``kind``
    asks for a page of one kind. 400 for a query with nothing to search."""
    result = selectors.site_search(query=q, user=request.user, kind=kind)
    return PortalSearchOut(
        query=result.query,
        truncated=result.truncated,
        groups=[
            PortalGroupOut(
                kind=group.code,
                label=str(group.label),
                more=group.more,
                hits=[
                    PortalHitOut(title=hit.title, snippet=str(hit.snippet_html), url=hit.url)
                    for hit in group.hits
                ],
            )
            for group in result.groups
        ],
    )
