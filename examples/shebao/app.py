"""社保缴费查询 — a demo department system that signs residents in through shequ.

A separate small WSGI app, as a human-resources and social-security bureau would run its own:
it imports nothing of shequ and knows shequ only as an OpenID Connect provider (discovery URL,
client id, secret). The resident taps "前往办理" on shequ's service page, lands here at
``/login``, is sent to shequ's ``/o/authorize/`` (authorization code + PKCE S256), consents
the first time, and comes back to ``/callback``; the app checks the ID token (RS256 against
the provider's JWKS, issuer, audience, nonce, expiry) and shows that resident's contribution
records. The records are demo data made up here from the pseudonymous subject (``sub``), so
every demo resident sees the same records each time and no real data is involved.

    SHEQU_DISCOVERY_URL=http://127.0.0.1:8000/.well-known/openid-configuration \\
    SHEQU_CLIENT_ID=shequ-demo-shebao SHEQU_CLIENT_SECRET=shequ-demo-shebao-secret-2026 \\
    .venv/bin/python -m examples.shebao.app          # serves http://127.0.0.1:8001

Standard library and the runtime-locked ``requests`` and ``jwcrypto`` only.
"""

import base64
import hashlib
import html
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import make_server

import requests
from jwcrypto import jwk, jwt

SCOPE = "openid profile community verification"
TITLE = "成都市社会保险缴费查询（示例系统）"


@dataclass(frozen=True)
class Contribution:
    month: str
    base: int  # 缴费基数, yuan
    pension_person: str
    pension_unit: str
    medical_person: str
    status: str


def contributions(sub: str) -> list[Contribution]:
    """Twelve months of demo records for one subject: the same every time for that subject."""
    seed = int(hashlib.sha256(f"shebao-demo:{sub}".encode()).hexdigest(), 16)
    base = 4_500 + (seed % 9) * 500
    gap = 1 + seed % 11  # one month not yet paid, so the page shows what an arrear looks like
    records = []
    for n in range(12):
        month = f"2026-{12 - n:02d}" if n < 11 else "2025-12"
        status = "待缴" if n == 0 else ("补缴" if n == gap else "已缴")
        records.append(
            Contribution(
                month=month,
                base=base,
                pension_person=f"{base * 0.08:.2f}",
                pension_unit=f"{base * 0.16:.2f}",
                medical_person=f"{base * 0.02:.2f}",
                status=status,
            )
        )
    return records


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class ShebaoApp:
    discovery_url: str
    client_id: str
    client_secret: str
    base_url: str
    pending: dict[str, dict[str, str]] = field(default_factory=dict)
    signed_in: dict[str, dict[str, Any]] = field(default_factory=dict)
    _metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/callback"

    def metadata(self) -> dict[str, Any]:
        if not self._metadata:
            self._metadata.update(requests.get(self.discovery_url, timeout=10).json())
        return self._metadata

    def start(self, session_id: str) -> str:
        """shequ's authorization URL for this browser (state, nonce and PKCE kept here)."""
        verifier, challenge = _pkce()
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.pending[session_id] = {"state": state, "nonce": nonce, "verifier": verifier}
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": SCOPE,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.metadata()['authorization_endpoint']}?{query}"

    def finish(self, session_id: str, query: dict[str, str]) -> str:
        """Check the answer and redeem the code; returns "" when signed in, else a message."""
        pending = self.pending.pop(session_id, None)
        if pending is None or query.get("state") != pending["state"]:
            return "登录请求已过期，请重新登录。"
        if "error" in query:
            if query["error"] == "access_denied":
                return "您没有同意授权，本系统无法查询您的缴费记录。"
            return f"登录未完成（{query['error']}），请重新登录。"
        meta = self.metadata()
        response = requests.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": query.get("code", ""),
                "redirect_uri": self.redirect_uri,
                "code_verifier": pending["verifier"],
            },
            auth=(self.client_id, self.client_secret),
            timeout=10,
        )
        if response.status_code != 200:
            return "登录未完成，请重新登录。"
        tokens = response.json()
        keys = jwk.JWKSet.from_json(requests.get(meta["jwks_uri"], timeout=10).text)
        token = jwt.JWT(jwt=tokens["id_token"], key=keys, algs=["RS256"])
        claims = json.loads(token.claims)
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if (
            claims.get("iss") != meta["issuer"]
            or self.client_id not in audiences
            or claims.get("nonce") != pending["nonce"]
            or int(claims.get("exp", 0)) < time.time()
        ):
            return "身份令牌校验失败，请重新登录。"
        userinfo = requests.get(
            meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=10,
        ).json()
        self.signed_in[session_id] = {"claims": claims, "userinfo": userinfo, "tokens": tokens}
        return ""

    def logout_url(self, session_id: str) -> str:
        signed = self.signed_in.pop(session_id, None)
        if signed is None:
            return f"{self.base_url}/"
        query = urlencode(
            {
                "id_token_hint": signed["tokens"]["id_token"],
                "post_logout_redirect_uri": f"{self.base_url}/",
            }
        )
        return f"{self.metadata()['end_session_endpoint']}?{query}"

    # --- pages ----------------------------------------------------------------------------
    def page(self, session_id: str, message: str = "") -> str:
        signed = self.signed_in.get(session_id)
        if signed is None:
            note = f'<p class="warn">{html.escape(message)}</p>' if message else ""
            return (
                f"{note}<p>请使用天府市民云（shequ）市民账号登录后查询本人社会保险缴费记录。</p>"
                '<p><a class="button" href="/login">使用市民账号登录</a></p>'
            )
        info = signed["userinfo"]
        sub = str(signed["claims"]["sub"])
        community = info.get("community") or {}
        rows = "".join(
            f"<tr><td>{c.month}</td><td>{c.base:,}</td><td>{c.pension_person}</td>"
            f"<td>{c.pension_unit}</td><td>{c.medical_person}</td>"
            f'<td class="{"due" if c.status == "待缴" else ""}">{c.status}</td></tr>'
            for c in contributions(sub)
        )
        return (
            f'<p data-testid="who">参保人：{html.escape(str(info.get("name", "")))}'
            f"（{html.escape(str(community.get('name', '')))}）</p>"
            "<p class=small>以下为示例数据，按您的账号标识生成，不是真实缴费记录。</p>"
            '<div class="wrap"><table data-testid="records"><thead><tr><th>月份</th>'
            "<th>缴费基数（元）</th><th>养老个人</th><th>养老单位</th><th>医疗个人</th><th>状态</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
            '<p><a href="/logout">退出登录</a></p>'
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        sid = cookie["shebao_session"].value if "shebao_session" in cookie else ""
        if not sid:
            sid = secrets.token_urlsafe(16)
        headers = [("Set-Cookie", f"shebao_session={sid}; HttpOnly; Path=/; SameSite=Lax")]
        path = environ.get("PATH_INFO", "/")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        message = ""
        try:
            if path == "/login":
                start_response("302 Found", [*headers, ("Location", self.start(sid))])
                return [b""]
            if path == "/callback":
                message = self.finish(sid, query)
                if not message:
                    start_response("302 Found", [*headers, ("Location", f"{self.base_url}/")])
                    return [b""]
            elif path == "/logout":
                start_response("302 Found", [*headers, ("Location", self.logout_url(sid))])
                return [b""]
            elif path != "/":
                start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
                return ["页面不存在".encode()]
        except (requests.RequestException, ValueError, KeyError):
            message = "暂时无法连接市民账号服务，请稍后再试。"
        body = self.page(sid, message)
        start_response("200 OK", [*headers, ("Content-Type", "text/html; charset=utf-8")])
        return [render(body).encode()]


STYLE = (
    "body{font-family:sans-serif;margin:0 auto;max-width:720px;padding:12px;line-height:1.5}"
    "h1{font-size:1.2rem;color:#b3261e}.wrap{overflow-x:auto}table{border-collapse:collapse;"
    "width:100%;font-size:.85rem}th,td{border-bottom:1px solid #ddd;padding:4px;text-align:right;"
    "white-space:nowrap}th:first-child,td:first-child{text-align:left}.due{color:#b3261e}"
    ".small{font-size:.8rem;color:#666}.warn{color:#b3261e}.button{display:inline-block;"
    "background:#b3261e;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none}"
)


def render(body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{TITLE}</title><style>{STYLE}</style><h1>{TITLE}</h1>{body}</html>"
    )


def main() -> None:
    port = int(os.environ.get("SHEBAO_PORT", "8001"))
    app = ShebaoApp(
        discovery_url=os.environ.get(
            "SHEQU_DISCOVERY_URL", "http://127.0.0.1:8000/.well-known/openid-configuration"
        ),
        client_id=os.environ.get("SHEQU_CLIENT_ID", "shequ-demo-shebao"),
        client_secret=os.environ.get("SHEQU_CLIENT_SECRET", "shequ-demo-shebao-secret-2026"),
        base_url=f"http://127.0.0.1:{port}",
    )
    with make_server("127.0.0.1", port, app) as server:
        print(f"社保缴费查询 demo app on http://127.0.0.1:{port}/", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
