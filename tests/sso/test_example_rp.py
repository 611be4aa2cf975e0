"""The sample relying party in examples/ signs a resident in, knowing only the discovery URL,
its client id and secret."""

from collections.abc import Callable
from typing import Any

import pytest
from examples.sso_rp.app import RelyingParty

from shequ.people.models import User
from tests.sso.conftest import LOGOUT_URI, REDIRECT_URI, Flow, RegisteredApp, browser_for

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_sample_app_signs_a_resident_in_and_shows_the_claims(
    live_server: Any,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    make_flow: Callable[..., Flow],
) -> None:
    registered = register_app()
    rp = RelyingParty(
        discovery_url=f"{live_server.url}/.well-known/openid-configuration",
        client_id=registered.client_id,
        client_secret=registered.secret,
        redirect_uri=REDIRECT_URI,
    )
    flow = make_flow(registered)
    browser = browser_for(live_server.url, resident_user)

    response = flow.approve(browser, rp.start("s1"))
    result = rp.finish("s1", response.headers["Location"])

    assert result["userinfo"]["name"] == "张*丰"
    assert result["userinfo"]["community"]["code"] == "510107005004"
    assert result["id_token"]["sub"] == str(resident_user.pk)
    logout = browser.get(rp.logout_url("s1", LOGOUT_URI), allow_redirects=False)
    assert logout.headers["Location"] == LOGOUT_URI
