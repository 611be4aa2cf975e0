"""A department's own web app that signs residents in through shequ (OpenID Connect).

Configured only with the discovery URL, a client id and a secret:

    SHEQU_DISCOVERY_URL=http://127.0.0.1:8000/.well-known/openid-configuration \\
    SHEQU_CLIENT_ID=shequ-demo-rp SHEQU_CLIENT_SECRET=shequ-demo-rp-secret-2026 \\
    .venv/bin/python examples/sso_rp/app.py        # serves http://127.0.0.1:8100

Uses Authlib (OAuth2Session: authorization code + PKCE S256) and joserfc to check the ID
token against the provider's JWKS. Standard library WSGI server; no framework needed.
"""

import html
import json
import os
import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from wsgiref.simple_server import make_server

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

SCOPE = "openid profile phone community verification"


@dataclass
class RelyingParty:
    discovery_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    # Pending sign-ins and signed-in users, by this app's own session cookie.
    pending: dict[str, dict[str, str]] = field(default_factory=dict)
    signed_in: dict[str, dict[str, Any]] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        return dict(requests.get(self.discovery_url, timeout=10).json())

    def client(self) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.client_id,
            client_secret=self.client_secret or None,
            scope=SCOPE,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.client_secret else "none",
        )

    def start(self, session_id: str) -> str:
        """The provider URL to send the browser to."""
        verifier, nonce = generate_token(48), generate_token(16)
        url, state = self.client().create_authorization_url(
            self.metadata()["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        self.pending[session_id] = {"state": state, "verifier": verifier, "nonce": nonce}
        return str(url)

    def finish(self, session_id: str, callback_url: str) -> dict[str, Any]:
        """Exchange the code, verify the ID token, read userinfo; returns the claims."""
        pending = self.pending.pop(session_id)
        meta = self.metadata()
        client = self.client()
        client.state = pending["state"]
        token = client.fetch_token(
            meta["token_endpoint"],
            authorization_response=callback_url,
            code_verifier=pending["verifier"],
        )
        keys = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
        id_token = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": pending["nonce"]},
            exp={"essential": True},
        ).validate(id_token.claims)
        userinfo = client.get(meta["userinfo_endpoint"]).json()
        result = {"id_token": dict(id_token.claims), "userinfo": userinfo, "raw": token}
        self.signed_in[session_id] = result
        return result

    def logout_url(self, session_id: str, after: str) -> str:
        signed = self.signed_in.pop(session_id, None)
        end = self.metadata()["end_session_endpoint"]
        if signed is None:
            return after
        query = requests.Request(
            "GET",
            end,
            params={"id_token_hint": signed["raw"]["id_token"], "post_logout_redirect_uri": after},
        ).prepare()
        return str(query.url)

    # --- a tiny WSGI front end ----------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        sid = cookie["rp_session"].value if "rp_session" in cookie else secrets.token_urlsafe(16)
        headers = [("Set-Cookie", f"rp_session={sid}; HttpOnly; Path=/; SameSite=Lax")]
        path = environ.get("PATH_INFO", "/")
        base = self.redirect_uri.rsplit("/", 1)[0]
        if path == "/login":
            start_response("302 Found", [*headers, ("Location", self.start(sid))])
            return [b""]
        if path == "/callback":
            url = f"{base}/callback?{environ.get('QUERY_STRING', '')}"
            self.finish(sid, url)
            start_response("302 Found", [*headers, ("Location", f"{base}/")])
            return [b""]
        if path == "/logout":
            start_response("302 Found", [*headers, ("Location", self.logout_url(sid, f"{base}/"))])
            return [b""]
        signed = self.signed_in.get(sid)
        if signed is None:
            body = '<h1>公积金查询（示例）</h1><a href="/login">使用市民账号登录</a>'
        else:
            claims = json.dumps(signed["userinfo"], ensure_ascii=False, indent=2)
            body = f'<h1>已登录</h1><pre>{html.escape(claims)}</pre><a href="/logout">退出登录</a>'
        start_response("200 OK", [*headers, ("Content-Type", "text/html; charset=utf-8")])
        return [f"<!doctype html><meta charset=utf-8>{body}".encode()]


def main() -> None:
    port = int(os.environ.get("PORT", "8100"))
    app = RelyingParty(
        discovery_url=os.environ["SHEQU_DISCOVERY_URL"],
        client_id=os.environ["SHEQU_CLIENT_ID"],
        client_secret=os.environ.get("SHEQU_CLIENT_SECRET", ""),
        redirect_uri=f"http://127.0.0.1:{port}/callback",
    )
    with make_server("127.0.0.1", port, app) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
