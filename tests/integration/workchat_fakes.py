"""Fake 企业微信 / 钉钉 / 飞书 group-bot servers on 127.0.0.1, checking what the real ones check.

One threaded HTTP server answers all three paths. Each checks its credential (key, access_token, hook id),
the signature and its one-hour timestamp window as each platform documents them, the JSON shape and size,
and its rate limit, and answers with the platform's documented codes:

- 企业微信 ``/cgi-bin/webhook/send?key=``: 93000 invalid webhook url, 40008 invalid message type, 40058
  content over 4,096 bytes, 45009 over 20 messages a minute.
- 钉钉 ``/robot/send?access_token=&timestamp=&sign=``: 300001 unknown token, 310000 bad sign or timestamp
  over an hour off, 40035 missing parameter, 130101 over 20 a minute.
- 飞书 ``/open-apis/bot/v2/hook/<id>``: 19001 unknown hook, 19021 bad sign or timestamp over an hour off,
  9499 bad request, 11232 over 100 a minute or 5 a second.

``fail_next`` makes the next answers an HTTP error or a stall (for the retry tests).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    platform: str
    token: str
    body: dict
    at: float
    answer: dict


@dataclass
class FakePlatforms:
    server: ThreadingHTTPServer
    wecom_keys: set[str] = field(default_factory=set)
    dingtalk: dict[str, str] = field(default_factory=dict)  # access_token -> secret ("" = no 加签)
    feishu: dict[str, str] = field(default_factory=dict)  # hook id -> secret ("" = no 签名校验)
    limits: dict[str, tuple[int, float]] = field(
        default_factory=lambda: {"wecom": (20, 60.0), "dingtalk": (20, 60.0), "feishu": (100, 60.0)}
    )
    received: list[Received] = field(default_factory=list)
    failures: deque = field(default_factory=deque)  # ("status", 502) or ("stall", seconds)
    _sent: dict = field(default_factory=lambda: defaultdict(deque))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def wecom_url(self, key: str) -> str:
        self.wecom_keys.add(key)
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str, secret: str = "") -> str:
        self.dingtalk[token] = secret
        return f"{self.base}/robot/send?access_token={token}"

    def feishu_url(self, hook: str, secret: str = "") -> str:
        self.feishu[hook] = secret
        return f"{self.base}/open-apis/bot/v2/hook/{hook}"

    def fail_next(self, *failures: tuple[str, float]) -> None:
        self.failures.extend(failures)

    def accepted(self, platform: str | None = None) -> list[Received]:
        return [
            r
            for r in self.received
            if r.answer.get("errcode", r.answer.get("code")) == 0
            and (platform is None or r.platform == platform)
        ]

    def _rate_ok(self, platform: str, token: str, now: float) -> bool:
        limit, window = self.limits[platform]
        sent = self._sent[(platform, token)]
        while sent and sent[0] <= now - window:
            sent.popleft()
        if len(sent) >= limit:
            return False
        if platform == "feishu" and sum(1 for t in sent if t > now - 1) >= 5:
            return False
        sent.append(now)
        return True

    # Each returns the JSON answer; the HTTP status is 200, as the platforms answer their own errors.
    def wecom(self, query: dict, body) -> tuple[str, dict]:
        key = query.get("key", [""])[0]
        if key not in self.wecom_keys:
            return key, {"errcode": 93000, "errmsg": "invalid webhook url"}
        if not isinstance(body, dict) or body.get("msgtype") not in {"text", "markdown", "markdown_v2"}:
            return key, {"errcode": 40008, "errmsg": "invalid message type"}
        content = (body.get(body["msgtype"]) or {}).get("content")
        if not isinstance(content, str) or not content:
            return key, {"errcode": 40008, "errmsg": "invalid message type"}
        if len(content.encode()) > 4096:
            return key, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        if not self._rate_ok("wecom", key, time.time()):
            return key, {"errcode": 45009, "errmsg": "api freq out of limit"}
        return key, {"errcode": 0, "errmsg": "ok"}

    def dingtalk_check(self, query: dict, body) -> tuple[str, dict]:
        token = query.get("access_token", [""])[0]
        if token not in self.dingtalk:
            return token, {"errcode": 300001, "errmsg": "token is not exist"}
        secret = self.dingtalk[token]
        if secret:
            timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
                return token, {"errcode": 310000, "errmsg": "timestamp expired"}
            expected = base64.b64encode(
                hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
            ).decode()
            if not hmac.compare_digest(sign, expected):  # parse_qs has already URL-decoded it
                return token, {"errcode": 310000, "errmsg": "sign not match"}
        if not isinstance(body, dict) or body.get("msgtype") not in {"text", "markdown"}:
            return token, {"errcode": 40035, "errmsg": "缺少参数 json"}
        if body["msgtype"] == "markdown":
            md = body.get("markdown") or {}
            if not isinstance(md.get("title"), str) or not isinstance(md.get("text"), str) or not md["text"]:
                return token, {"errcode": 40035, "errmsg": "缺少参数 markdown"}
        if not self._rate_ok("dingtalk", token, time.time()):
            return token, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        return token, {"errcode": 0, "errmsg": "ok"}

    def feishu_check(self, hook: str, body, raw: bytes) -> tuple[str, dict]:
        if hook not in self.feishu:
            return hook, {
                "code": 19001,
                "msg": "param invalid: incoming webhook access token invalid",
                "data": {},
            }
        if len(raw) > 20 * 1024 or not isinstance(body, dict):
            return hook, {"code": 9499, "msg": "Bad Request", "data": {}}
        secret = self.feishu[hook]
        if secret:
            timestamp, sign = str(body.get("timestamp", "")), body.get("sign", "")
            expected = base64.b64encode(
                hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
            ).decode()
            if (
                not timestamp.isdigit()
                or abs(time.time() - int(timestamp)) > 3600
                or not isinstance(sign, str)
                or not hmac.compare_digest(sign, expected)
            ):
                return hook, {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                    "data": {},
                }
        kind, content = body.get("msg_type"), body.get("content")
        if kind not in {"text", "post", "interactive", "image", "share_chat"} or not isinstance(
            content, dict
        ):
            return hook, {"code": 9499, "msg": "Bad Request", "data": {}}
        if kind == "post":
            post = (content.get("post") or {}).get("zh_cn") or {}
            if not isinstance(post.get("content"), list) or not all(
                isinstance(p, list) for p in post["content"]
            ):
                return hook, {"code": 9499, "msg": "Bad Request", "data": {}}
        if not self._rate_ok("feishu", hook, time.time()):
            return hook, {"code": 11232, "msg": "frequency limited", "data": {}}
        return hook, {"code": 0, "msg": "success", "data": {}}


def _handler(fake: FakePlatforms):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _reply(self, status: int, answer: dict) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with fake.lock:
                failure = fake.failures.popleft() if fake.failures else None
            if failure and failure[0] == "stall":
                time.sleep(failure[1])
                self._reply(504, {"error": "stalled"})
                return
            if failure:
                self._reply(int(failure[1]), {"error": "injected"})
                return
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = None
            with fake.lock:
                if parts.path == "/cgi-bin/webhook/send":
                    platform, (token, answer) = "wecom", fake.wecom(query, body)
                elif parts.path == "/robot/send":
                    platform, (token, answer) = "dingtalk", fake.dingtalk_check(query, body)
                elif parts.path.startswith("/open-apis/bot/v2/hook/"):
                    hook = parts.path.rsplit("/", 1)[1]
                    platform, (token, answer) = "feishu", fake.feishu_check(hook, body, raw)
                else:
                    self._reply(404, {"error": "not found"})
                    return
                fake.received.append(Received(platform, token, body or {}, time.time(), answer))
            self._reply(200, answer)

    return Handler


def start_fake_platforms() -> FakePlatforms:
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # handler set below, once the fake exists
    server.daemon_threads = True
    fake = FakePlatforms(server=server)
    server.RequestHandlerClass = _handler(fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
