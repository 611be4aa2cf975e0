"""Public pages of co-governance (no login): a community's three lists and the
demonstration communities of each year, filtered by district."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.cogovernance import selectors
from shequ.core.digits import digits_or_none


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cogovernance/index.html",
        {"communities": selectors.communities_with_lists()[:200]},
    )


def community_lists(request: HttpRequest, code: str) -> HttpResponse:
    data = selectors.public_lists(community_code=code)
    return render(request, "cogovernance/lists.html", {"lists": data})


def demonstration(request: HttpRequest) -> HttpResponse:
    years = selectors.designation_years()
    raw_year = digits_or_none(request.GET.get("year", "")) or ""
    year = int(raw_year) if raw_year and int(raw_year) in years else (years[0] if years else None)
    district = digits_or_none(request.GET.get("district", "")) or ""
    districts = list(selectors.districts())
    if district not in {d.code for d in districts}:
        district = ""
    page = Paginator(selectors.designations_public(year=year, district=district), 120).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cogovernance/demonstration.html",
        {
            "page": page,
            "years": years,
            "year": year,
            "districts": districts,
            "district": district,
        },
    )
