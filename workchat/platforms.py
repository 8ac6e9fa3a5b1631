"""The three group-bot platforms as their documentation describes them: webhook URLs, signatures, message
bodies and answers. Pure functions on plain data: no ORM, no settings, no network.

- 企业微信 群机器人: ``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY``; the key is the
  credential. Markdown content at most 4,096 bytes; 20 messages a minute per bot (errcode 45009).
- 钉钉 自定义机器人: ``POST https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=MS&sign=S`` where
  ``S = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{MS}\\n{secret}")))``, the timestamp in milliseconds
  within an hour of the server's clock (errcode 310000 otherwise); 20 a minute, then throttled for 10 minutes.
- 飞书 自定义机器人: ``POST https://open.feishu.cn/open-apis/bot/v2/hook/ID`` with ``timestamp`` (seconds)
  and ``sign = base64(HMAC-SHA256(key=f"{ts}\\n{secret}", msg=b""))`` in the JSON body (code 19021 when wrong
  or over an hour off); 100 a minute and 5 a second (code 11232); a body at most 20 KB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

from django.utils.translation import gettext as _


class Platform(StrEnum):
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"


HOSTS: dict[Platform, tuple[str, ...]] = {
    Platform.WECOM: ("qyapi.weixin.qq.com",),
    Platform.DINGTALK: ("oapi.dingtalk.com",),
    Platform.FEISHU: ("open.feishu.cn", "open.larksuite.com"),
}
LOOPBACK = "127.0.0.1"
URL_MAX = 500
SECRET_MAX = 200
_TOKEN = re.compile(r"^[A-Za-z0-9_.~-]{8,128}$")
_SECRET = re.compile(r"^[\x21-\x7e]{8,200}$")

WECOM_MARKDOWN_MAX_BYTES = 4096
DINGTALK_TEXT_MAX_BYTES = 18000
FEISHU_BODY_MAX_BYTES = 20 * 1024

# Answers that mean "later": the platforms' rate-limit codes (钉钉 throttles a bot for 10 minutes).
RATE_LIMITED = {Platform.WECOM: {45009}, Platform.DINGTALK: {130101}, Platform.FEISHU: {11232}}
RATE_LIMIT_PAUSE = {Platform.WECOM: 60, Platform.DINGTALK: 600, Platform.FEISHU: 60}


class WebhookError(ValueError):
    """A webhook URL or secret the platform would not have issued; the message says why."""


@dataclass(frozen=True)
class Webhook:
    platform: Platform
    url: str  # normalised, without any signature parameters
    token: str  # the credential in the URL (key, access_token or hook id)


def webhook_parse(platform: Platform | str, url: str, *, allow_loopback: bool = False) -> Webhook:
    """Check that ``url`` is a webhook of ``platform`` on its documented host and path; return it normalised.

    Only HTTPS to the platform's own host (no port, user info or fragment); ``http://127.0.0.1:PORT`` only
    with ``allow_loopback`` (the tests' fake platforms)."""
    platform = Platform(platform)
    url = (url or "").strip()
    if not url or len(url) > URL_MAX or any(c.isspace() or ord(c) < 32 for c in url):
        raise WebhookError(_("not a web address"))
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise WebhookError(_("not a web address")) from None
    loopback = allow_loopback and parts.scheme == "http" and parts.hostname == LOOPBACK and port is not None
    if not loopback:
        if parts.scheme != "https":
            raise WebhookError(_("the address must start with https://"))
        if parts.hostname not in HOSTS[platform] or port not in (None, 443):
            raise WebhookError(_("the address is not on the platform's own host"))
    if parts.username or parts.password or parts.fragment or parts.netloc.endswith(":"):
        raise WebhookError(_("not a web address"))
    base = f"{parts.scheme}://{parts.netloc.lower()}"
    query = parse_qs(parts.query, keep_blank_values=True)
    if platform is Platform.FEISHU:
        match = re.fullmatch(r"/open-apis/bot/v2/hook/([^/]+)", parts.path)
        if not match or parts.query:
            raise WebhookError(
                _("a 飞书 bot address looks like https://open.feishu.cn/open-apis/bot/v2/hook/…")
            )
        token = match.group(1)
        normalised = f"{base}/open-apis/bot/v2/hook/{token}"
    else:
        path, name = (
            ("/cgi-bin/webhook/send", "key")
            if platform is Platform.WECOM
            else ("/robot/send", "access_token")
        )
        if parts.path != path or set(query) != {name} or len(query[name]) != 1:
            raise WebhookError(
                _("the address must be %(path)s?%(name)s=… exactly as the platform shows it")
                % {"path": path, "name": name}
            )
        token = query[name][0]
        normalised = f"{base}{path}?{urlencode({name: token})}"
    if not _TOKEN.match(token):
        raise WebhookError(_("the address's key is not one the platform issues"))
    return Webhook(platform=platform, url=normalised, token=token)


def secret_check(platform: Platform | str, secret: str) -> str:
    """The signing secret, stripped; 企业微信 bots have none (the key is in the URL)."""
    platform, secret = Platform(platform), (secret or "").strip()
    if platform is Platform.WECOM:
        if secret:
            raise WebhookError(_("企业微信 group bots have no signing secret: leave it empty"))
        return ""
    if secret and not _SECRET.match(secret):
        raise WebhookError(_("the secret must be 8 to 200 visible characters, without spaces"))
    return secret


def mask(value: str, *, keep: int = 4) -> str:
    """Enough of a credential to recognise it, never enough to use it."""
    if len(value) <= keep * 3:
        return "•" * 8
    return f"{value[:keep]}…{value[-keep:]}"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64 of HMAC-SHA256 keyed with the secret over ``"{timestamp}\\n{secret}"`` (not yet
    URL-encoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """飞书 签名校验: base64 of HMAC-SHA256 keyed with ``"{timestamp}\\n{secret}"`` over an empty message."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - len("…".encode())].decode(errors="ignore") + "…"


def message_body(platform: Platform | str, *, title: str, lines: list[str]) -> dict:
    """The JSON body of one message: Markdown for 企业微信 and 钉钉, a rich-text post for 飞书, each cut to
    the platform's documented size."""
    platform = Platform(platform)
    if platform is Platform.FEISHU:
        content = [[{"tag": "text", "text": line}] for line in lines]
        body = {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": content}}}}
        while len(json.dumps(body, ensure_ascii=False).encode()) > FEISHU_BODY_MAX_BYTES - 512 and content:
            content.pop()
        return body
    text = "\n".join([f"### {title}", *lines])
    if platform is Platform.WECOM:
        return {
            "msgtype": "markdown",
            "markdown": {"content": _truncate_bytes(text, WECOM_MARKDOWN_MAX_BYTES)},
        }
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": _truncate_bytes(text, DINGTALK_TEXT_MAX_BYTES)},
    }


@dataclass(frozen=True)
class Request:
    url: str
    body: dict


def request_build(webhook: Webhook, secret: str, body: dict, *, now: float) -> Request:
    """The signed request for one message at ``now`` (seconds since the epoch)."""
    if webhook.platform is Platform.DINGTALK and secret:
        timestamp = int(now * 1000)
        sign = quote_plus(dingtalk_sign(secret, timestamp))
        return Request(url=f"{webhook.url}&timestamp={timestamp}&sign={sign}", body=body)
    if webhook.platform is Platform.FEISHU and secret:
        timestamp = int(now)
        return Request(
            url=webhook.url,
            body={"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **body},
        )
    return Request(url=webhook.url, body=body)


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a 5xx, a timeout or a rate limit: try again later
    FAILED = "failed"  # the platform refused it for good (bad key, bad signature, bad body)


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    code: str = ""
    message: str = ""
    pause: int = 0  # seconds to wait before the next message to this bot (rate limits)


def answer_read(platform: Platform | str, status: int, text: str) -> Answer:
    """Classify the platform's HTTP answer: its ``errcode`` (企业微信, 钉钉) or ``code`` (飞书; old bots
    answer ``StatusCode``)."""
    platform = Platform(platform)
    if status == 429:
        return Answer(Outcome.RETRY, "429", "too many requests", RATE_LIMIT_PAUSE[platform])
    if status >= 500:
        return Answer(Outcome.RETRY, f"http {status}", "server error")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        outcome = Outcome.FAILED if 400 <= status < 500 else Outcome.RETRY
        return Answer(outcome, f"http {status}", "the answer is not JSON")
    if platform is Platform.FEISHU:
        code = data.get("code", data.get("StatusCode"))
        message = data.get("msg", data.get("StatusMessage", ""))
    else:
        code, message = data.get("errcode"), data.get("errmsg", "")
    if not isinstance(code, int):
        return Answer(Outcome.FAILED, f"http {status}", "the answer carries no code")
    message = str(message)[:300]
    if code == 0 and status < 400:
        return Answer(Outcome.SENT, "0", message)
    if code in RATE_LIMITED[platform]:
        return Answer(Outcome.RETRY, str(code), message, RATE_LIMIT_PAUSE[platform])
    return Answer(Outcome.FAILED, str(code), message)
