"""A fake 企业微信, 钉钉 and 飞书 on 127.0.0.1 that speaks their documented web sign-in endpoints.

It checks what the real platforms check: the app's id and secret, that the redirect URI is the one registered
for the app, that an authorization code is used once (and only by the app it was issued to), that an access
token is one it issued. It answers errors the way each platform does (企业微信 ``errcode``, 飞书 ``code``,
钉钉 HTTP 400 with a ``code`` string). The person who "scans the QR code" next is ``fake.member[provider]``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlparse

WECOM = {"corpid": "ww-fake-corp", "secret": "wecom-app-secret", "agentid": "1000002"}
DINGTALK = {"client_id": "ding-fake-app", "secret": "dingtalk-app-secret"}
FEISHU = {"app_id": "cli_fake_feishu", "secret": "feishu-app-secret"}
OIDC = {"client_id": "oidc-fake-client", "secret": "oidc-client-secret"}


@dataclass
class FakeProviders:
    """``redirect_uris``: provider id → the callback URL registered for the app on the platform."""

    redirect_uris: dict[str, str]
    member: dict[str, dict] = field(default_factory=dict)
    refuse: bool = False  # the person presses "cancel" on the platform's page
    codes: dict[str, tuple[str, dict]] = field(default_factory=dict)  # code → (provider, member)
    used_codes: set[str] = field(default_factory=set)
    tokens: dict[str, tuple[str, dict | None]] = field(default_factory=dict)  # token → (kind, member)
    members_by_userid: dict[str, dict] = field(default_factory=dict)
    oidc_codes: dict[str, dict] = field(default_factory=dict)  # code → redirect_uri, PKCE challenge, member
    fail_with: int | None = None  # every server-to-server endpoint answers this HTTP status
    delay: float = 0  # seconds every server-to-server endpoint waits before answering
    log: list[str] = field(default_factory=list)
    url: str = ""

    def __post_init__(self):
        self.member = {
            "wecom": {
                "userid": "zhangsan",
                "name": "张三",
                "email": "zhangsan@corp.example",
                "department": [2],
            },
            "dingtalk": {
                "nick": "李四",
                "openId": "ding-open-1",
                "unionId": "u1",
                "email": "lisi@corp.example",
            },
            "feishu": {"name": "王五", "open_id": "ou_1", "union_id": "on_1", "email": "wangwu@corp.example"},
            "oidc": {
                "sub": "oidc-1",
                "name": "赵六",
                "email": "zhaoliu@corp.example",
                "email_verified": True,
            },
            **self.member,
        }

    # What a browser does on the platform's page: sign in there, consent, be sent back with a code.
    def authorize(self, provider: str, query: dict, client_id_key: str) -> tuple[int, dict, dict | None]:
        expected_id = {
            "wecom": WECOM["corpid"],
            "dingtalk": DINGTALK["client_id"],
            "feishu": FEISHU["app_id"],
        }
        if query.get(client_id_key) != expected_id[provider]:
            return 400, {}, {"error": "unknown app"}
        if provider == "wecom" and (
            query.get("agentid") != WECOM["agentid"] or query.get("login_type") != "CorpApp"
        ):
            return 400, {}, {"error": "unknown agentid"}
        if query.get("redirect_uri") != self.redirect_uris[provider]:
            return 400, {}, {"error": "redirect_uri does not match the registered one"}
        back = {"state": query.get("state", "")}
        if self.refuse:
            if provider != "wecom":  # 企业微信 sends only the state back when the member refuses
                back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(12)
            self.codes[code] = (provider, dict(self.member[provider]))
            back["authCode" if provider == "dingtalk" else "code"] = code  # 钉钉 names it authCode
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}, None

    def take_code(self, provider: str, code: str | None) -> dict | None:
        """A code works once, for the app it was issued to."""
        if not code or code in self.used_codes or self.codes.get(code, ("", None))[0] != provider:
            return None
        self.used_codes.add(code)
        return self.codes.pop(code)[1]

    def issue_token(self, kind: str, member: dict | None = None) -> str:
        token = secrets.token_urlsafe(16)
        self.tokens[token] = (kind, member)
        return token

    def token(self, kind: str, token: str | None) -> tuple[bool, dict | None]:
        found = self.tokens.get(token or "")
        return (found is not None and found[0] == kind), (found[1] if found else None)


def _handler(fake: FakeProviders):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, body: dict | None = None, headers: dict | None = None) -> None:
            payload = json.dumps(body or {}, ensure_ascii=False).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _body(self) -> dict:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                return json.loads(raw or "{}")
            return {k: v[-1] for k, v in parse_qs(raw).items()}

        def _server_fault(self, path: str) -> bool:
            """The platform's API (not its sign-in pages) failing or slow, when the test asks for it."""
            if path in BROWSER_PAGES:
                return False
            if fake.delay:
                time.sleep(fake.delay)
            if fake.fail_with:
                self._answer(fake.fail_with, {"error": "server error"})
                return True
            return False

        def do_GET(self):
            parts = urlparse(self.path)
            q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            fake.log.append(f"GET {parts.path}")
            if self._server_fault(parts.path):
                return None
            route = {
                "/oidc/.well-known/openid-configuration": self._oidc_configuration,
                "/oidc/authorize": lambda: self._oidc_authorize(q),
                "/oidc/userinfo": self._oidc_userinfo,
                "/wwlogin/sso/login": lambda: self._answer(*_swap(fake.authorize("wecom", q, "appid"))),
                "/oauth2/auth": lambda: self._answer(*_swap(fake.authorize("dingtalk", q, "client_id"))),
                "/open-apis/authen/v1/index": lambda: self._answer(
                    *_swap(fake.authorize("feishu", q, "app_id"))
                ),
                "/cgi-bin/gettoken": lambda: self._wecom_gettoken(q),
                "/cgi-bin/auth/getuserinfo": lambda: self._wecom_getuserinfo(q),
                "/cgi-bin/user/get": lambda: self._wecom_user(q),
                "/v1.0/contact/users/me": self._dingtalk_me,
                "/open-apis/authen/v1/user_info": self._feishu_user_info,
            }.get(parts.path)
            if route is None:
                return self._answer(404, {"error": "not found"})
            return route()

        def do_POST(self):
            parts = urlparse(self.path)
            fake.log.append(f"POST {parts.path}")
            if self._server_fault(parts.path):
                return None
            route = {
                "/oidc/token": self._oidc_token,
                "/v1.0/oauth2/userAccessToken": self._dingtalk_token,
                "/open-apis/auth/v3/app_access_token/internal/": self._feishu_app_token,
                "/open-apis/authen/v1/access_token": self._feishu_user_token,
            }.get(parts.path)
            if route is None:
                return self._answer(404, {"error": "not found"})
            return route(self._body())

        # 企业微信
        def _wecom_gettoken(self, q):
            if q.get("corpid") != WECOM["corpid"]:
                return self._answer(200, {"errcode": 40013, "errmsg": "invalid corpid"})
            if q.get("corpsecret") != WECOM["secret"]:
                return self._answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
            return self._answer(
                200,
                {"errcode": 0, "errmsg": "ok", "access_token": fake.issue_token("wecom"), "expires_in": 7200},
            )

        def _wecom_getuserinfo(self, q):
            if not fake.token("wecom", q.get("access_token"))[0]:
                return self._answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
            member = fake.take_code("wecom", q.get("code"))
            if member is None:
                return self._answer(200, {"errcode": 40029, "errmsg": "invalid code"})
            if not member.get("userid"):
                return self._answer(200, {"errcode": 0, "errmsg": "ok", "openid": "o-not-a-member"})
            fake.members_by_userid[member["userid"]] = member
            return self._answer(200, {"errcode": 0, "errmsg": "ok", "userid": member["userid"]})

        def _wecom_user(self, q):
            if not fake.token("wecom", q.get("access_token"))[0]:
                return self._answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
            member = fake.members_by_userid.get(q.get("userid"))
            if member is None:
                return self._answer(200, {"errcode": 60111, "errmsg": "userid not found"})
            return self._answer(200, {"errcode": 0, "errmsg": "ok", **member})

        # 钉钉
        def _dingtalk_token(self, body):
            if (
                body.get("clientId") != DINGTALK["client_id"]
                or body.get("clientSecret") != DINGTALK["secret"]
            ):
                return self._answer(400, {"code": "invalidClientSecret", "message": "client secret is wrong"})
            member = fake.take_code("dingtalk", body.get("code"))
            if member is None or body.get("grantType") != "authorization_code":
                return self._answer(400, {"code": "invalidAuthCode", "message": "auth code is invalid"})
            token = fake.issue_token("dingtalk", member)
            return self._answer(200, {"accessToken": token, "refreshToken": "r", "expireIn": 7200})

        def _dingtalk_me(self):
            ok, member = fake.token("dingtalk", self.headers.get("x-acs-dingtalk-access-token"))
            if not ok:
                return self._answer(401, {"code": "InvalidAuthentication", "message": "token is invalid"})
            return self._answer(200, member)

        # 飞书
        def _feishu_app_token(self, body):
            if body.get("app_id") != FEISHU["app_id"] or body.get("app_secret") != FEISHU["secret"]:
                return self._answer(200, {"code": 10014, "msg": "app secret invalid"})
            return self._answer(
                200,
                {"code": 0, "msg": "ok", "app_access_token": fake.issue_token("feishu-app"), "expire": 7200},
            )

        def _feishu_user_token(self, body):
            app_token = body.get("app_access_token") or self.headers.get("Authorization", "").removeprefix(
                "Bearer "
            )
            if not fake.token("feishu-app", app_token)[0]:
                return self._answer(200, {"code": 99991663, "msg": "app access token invalid"})
            member = fake.take_code("feishu", body.get("code"))
            if member is None or body.get("grant_type") != "authorization_code":
                return self._answer(200, {"code": 20007, "msg": "code is invalid"})
            token = fake.issue_token("feishu", member)
            return self._answer(
                200, {"code": 0, "msg": "ok", "data": {"access_token": token, "expires_in": 7200}}
            )

        def _feishu_user_info(self):
            ok, member = fake.token("feishu", self.headers.get("Authorization", "").removeprefix("Bearer "))
            if not ok:
                return self._answer(200, {"code": 99991668, "msg": "user access token invalid"})
            return self._answer(200, {"code": 0, "msg": "ok", "data": member})

        # OpenID Connect (authorization code with PKCE S256, client_secret_post or client_secret_basic)
        def _oidc_configuration(self):
            base = fake.url + "/oidc"
            return self._answer(
                200,
                {
                    "issuer": base,
                    "authorization_endpoint": base + "/authorize",
                    "token_endpoint": base + "/token",
                    "userinfo_endpoint": base + "/userinfo",
                    "jwks_uri": base + "/jwks",
                    "response_types_supported": ["code"],
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                    "code_challenge_methods_supported": ["S256"],
                },
            )

        def _oidc_authorize(self, q):
            if q.get("client_id") != OIDC["client_id"] or q.get("redirect_uri") != fake.redirect_uris.get(
                "oidc"
            ):
                return self._answer(400, {"error": "invalid_request"})
            if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
                return self._answer(400, {"error": "invalid_request"})
            back = {"state": q.get("state", "")}
            if fake.refuse:
                back["error"] = "access_denied"
            else:
                code = secrets.token_urlsafe(12)
                fake.oidc_codes[code] = {
                    "redirect_uri": q["redirect_uri"],
                    "challenge": q.get("code_challenge"),
                    "member": dict(fake.member["oidc"]),
                }
                back["code"] = code
            return self._answer(302, None, {"Location": f"{q['redirect_uri']}?{urlencode(back)}"})

        def _oidc_token(self, body):
            client_id, secret = body.get("client_id"), body.get("client_secret")
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                client_id, secret = unquote_plus(client_id), unquote_plus(secret)
            if client_id != OIDC["client_id"] or secret != OIDC["secret"]:
                return self._answer(401, {"error": "invalid_client"})
            grant = fake.oidc_codes.pop(body.get("code", ""), None)
            verifier = body.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if (
                grant is None
                or body.get("grant_type") != "authorization_code"
                or body.get("redirect_uri") != grant["redirect_uri"]
                or challenge != grant["challenge"]
            ):
                return self._answer(400, {"error": "invalid_grant"})
            token = fake.issue_token("oidc", grant["member"])
            return self._answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

        def _oidc_userinfo(self):
            ok, member = fake.token("oidc", self.headers.get("Authorization", "").removeprefix("Bearer "))
            if not ok:
                return self._answer(401, {"error": "invalid_token"})
            return self._answer(200, member)

    return Handler


BROWSER_PAGES = {"/wwlogin/sso/login", "/oauth2/auth", "/open-apis/authen/v1/index", "/oidc/authorize"}


def _swap(result: tuple[int, dict, dict | None]) -> tuple[int, dict | None, dict]:
    status, headers, body = result
    return status, body, headers


class FakeProviderServer:
    """Serves ``fake`` on 127.0.0.1 in a thread; a context manager."""

    def __init__(self, fake: FakeProviders):
        self.fake = fake
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        fake.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeProviders:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def providers_settings(base: dict, fake_url: str, *, verified_email: bool = False) -> dict:
    """The project's SOCIALACCOUNT_PROVIDERS with the three apps configured and their hosts on the fake."""
    providers = {name: dict(conf) for name, conf in base.items()}
    providers["wecom"].update(
        APPS=[
            {
                "client_id": WECOM["corpid"],
                "secret": WECOM["secret"],
                "settings": {"agent_id": WECOM["agentid"]},
            }
        ],
        LOGIN_URL=fake_url,
        API_URL=fake_url,
        VERIFIED_EMAIL=verified_email,
    )
    providers["dingtalk"].update(
        APPS=[{"client_id": DINGTALK["client_id"], "secret": DINGTALK["secret"]}],
        LOGIN_URL=fake_url,
        API_URL=fake_url,
        VERIFIED_EMAIL=verified_email,
    )
    providers["feishu"].update(
        APPS=[{"client_id": FEISHU["app_id"], "secret": FEISHU["secret"]}],
        BASE_URL=fake_url,
        VERIFIED_EMAIL=verified_email,
    )
    providers["openid_connect"].update(
        APPS=[
            {
                "provider_id": "sso",
                "name": "Corp SSO",
                "client_id": OIDC["client_id"],
                "secret": OIDC["secret"],
                "settings": {"server_url": fake_url + "/oidc"},
            }
        ]
    )
    return providers
