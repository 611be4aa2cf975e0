"""Pages that belong to one community start here: one's own, or one picked from lists."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shequ.people.models import Resident
from shequ.places.models import Division
from shequ.places.selectors import division_list


def choose_community(request: HttpRequest, *, url_name: str, title: str) -> HttpResponse:
    """Redirect to ``url_name`` for the chosen community, else for the resident's own one;
    without either, show the district → street → community picker."""
    code = request.GET.get("community", "").strip()
    if (
        code
        and not Division.objects.filter(
            pk=code, level=Division.Level.COMMUNITY, is_active=True
        ).exists()
    ):
        code = ""
    if not code and request.user.is_authenticated:
        resident = Resident.objects.filter(user_id=request.user.pk).first()
        code = resident.community_id if resident and resident.community_id else ""
    if code:
        return redirect(url_name, code=code)
    districts = division_list(level=Division.Level.DISTRICT)
    return render(request, "web/choose_community.html", {"title": title, "districts": districts})
