"""Fixtures for single sign-on: a department app, a signed-in browser, an Authlib client."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.test import Client

from shequ.core.scopes import Role
from shequ.people.models import Department, User, VerificationLevel
from shequ.sso import services
from shequ.sso.models import DepartmentApp
from tests.factories import make_resident, make_staff, make_user

REDIRECT_URI = "http://rp.test/callback"
LOGOUT_URI = "http://rp.test/bye"


@dataclass
class RegisteredApp:
    app: DepartmentApp
    client_id: str
    secret: str


@pytest.fixture
def admin_user(db: None) -> User:
    return make_staff("sso-admin", Role.SYSTEM_ADMIN)


@pytest.fixture
def department(db: None) -> Department:
    return Department.objects.get_or_create(
        code="gongan", defaults={"name": "成都市公安局", "short_name": "公安"}
    )[0]


@pytest.fixture
def register_app(admin_user: User, department: Department) -> Callable[..., RegisteredApp]:
    def register(**overrides: Any) -> RegisteredApp:
        values: dict[str, Any] = {
            "name": "户政服务",
            "department_id": department.pk,
            "redirect_uris": REDIRECT_URI,
            "post_logout_redirect_uris": LOGOUT_URI,
            "scopes": ["openid", "profile", "phone", "community", "verification"],
            "min_level": VerificationLevel.REGISTERED,
            "confidential": True,
        }
        values.update(overrides)
        app, secret = services.app_register(actor=admin_user, **values)
        return RegisteredApp(app=app, client_id=app.client_id, secret=secret)

    return register


@pytest.fixture
def resident_user(chengdu: None) -> User:
    user = make_user("zhangsan", phone="13912345678")
    make_resident(user=user, name="张三丰", level=VerificationLevel.ID_CHECKED)
    return user


def browser_for(base_url: str, user: User) -> requests.Session:
    """A requests session carrying the user's shequ log-in (like a browser that signed in)."""
    client = Client()
    client.force_login(user, backend="shequ.people.auth_backends.UsernameOrPhoneBackend")
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.headers["Accept-Language"] = "zh-hans"
    return session


def hidden_inputs(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


@dataclass
class Flow:
    """One relying party's sign-in, driven by Authlib's OAuth2Session."""

    base: str
    registered: RegisteredApp
    metadata: dict[str, Any]
    client: OAuth2Session
    verifier: str = ""
    state: str = ""
    nonce: str = ""

    def authorization_url(self, **extra: Any) -> str:
        self.verifier = generate_token(48)
        self.nonce = generate_token(16)
        url, self.state = self.client.create_authorization_url(
            self.metadata["authorization_endpoint"],
            code_verifier=self.verifier,
            nonce=self.nonce,
            **extra,
        )
        return str(url)

    def approve(self, browser: requests.Session, url: str) -> requests.Response:
        """Open the authorization URL; if the consent screen shows, press Allow."""
        page = browser.get(url, allow_redirects=False)
        if page.status_code != 200 or 'data-testid="consent"' not in page.text:
            return page
        form = hidden_inputs(page.text)
        form["allow"] = "Authorize"
        return browser.post(
            self.metadata["authorization_endpoint"],
            data=form,
            headers={"Referer": url},
            allow_redirects=False,
        )

    def sign_in(self, browser: requests.Session, **extra: Any) -> dict[str, Any]:
        response = self.approve(browser, self.authorization_url(**extra))
        assert response.status_code == 302, response.text[:500]
        return dict(
            self.client.fetch_token(
                self.metadata["token_endpoint"],
                authorization_response=response.headers["Location"],
                code_verifier=self.verifier,
            )
        )


@pytest.fixture
def make_flow(live_server: Any) -> Callable[..., Flow]:
    base = live_server.url

    def make(registered: RegisteredApp, scope: str = "openid profile community") -> Flow:
        metadata = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
        auth_method = "client_secret_basic" if registered.secret else "none"
        client = OAuth2Session(
            client_id=registered.client_id,
            client_secret=registered.secret or None,
            scope=scope,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
            token_endpoint_auth_method=auth_method,
        )
        return Flow(base=base, registered=registered, metadata=metadata, client=client)

    return make
