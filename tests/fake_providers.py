"""A fake 企业微信, 钉钉 and 飞书 on 127.0.0.1 that speaks their documented web sign-in endpoints.

It checks what the real platforms check: the app's id and secret, that the redirect URI is the one registered
for the app, that an authorization code is used once (and only by the app it was issued to), that an access
token is one it issued. It answers errors the way each platform does (企业微信 ``errcode``, 飞书 ``code``,
钉钉 HTTP 400 with a ``code`` string). The person who "scans the QR code" next is ``fake.member[provider]``.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

WECOM = {"corpid": "ww-fake-corp", "secret": "wecom-app-secret", "agentid": "1000002"}
DINGTALK = {"client_id": "ding-fake-app", "secret": "dingtalk-app-secret"}
FEISHU = {"app_id": "cli_fake_feishu", "secret": "feishu-app-secret"}


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

        def do_GET(self):
            parts = urlparse(self.path)
            q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            fake.log.append(f"GET {parts.path}")
            route = {
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
            route = {
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

    return Handler


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
    return providers
