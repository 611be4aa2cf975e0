"""``{% proposal_origin code %}``: on a project's page, the residents' proposal it came from."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from shequ.participation.chain import origin_of_project

register = template.Library()


@register.simple_tag
def proposal_origin(code: str) -> SafeString:
    proposal = origin_of_project(code)
    if proposal is None:
        return SafeString("")
    return format_html(
        '<p class="small" data-testid="proposal-origin">{} '
        '<a href="/participation/proposals/{}/">{}</a></p>',
        gettext("Proposed by residents:"),
        proposal.pk,
        proposal.title,
    )
