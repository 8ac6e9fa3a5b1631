"""企业微信's server API for web sign-in, as documented:

1. the browser goes to ``/wwlogin/sso/login?login_type=CorpApp&appid=CORPID&agentid=…&redirect_uri=…&state=…``
   and comes back with ``?code=…&state=…`` (no code when the member refuses);
2. ``GET /cgi-bin/gettoken?corpid=…&corpsecret=…`` gives the app's access token (valid 7200 s, to be cached:
   the platform limits how often it is asked);
3. ``GET /cgi-bin/auth/getuserinfo?access_token=…&code=…`` turns the one-time code into the member's
   ``userid`` (an ``openid`` instead means the person is not a member of the company);
4. ``GET /cgi-bin/user/get?access_token=…&userid=…`` gives the member's name (and email where allowed).

Every answer carries ``errcode``; anything but 0 is an error.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from django.core.cache import cache
from django.utils.http import urlencode

# errcode for an access token that is invalid or expired: drop the cached one and ask once more.
STALE_TOKEN_ERRORS = {40014, 42001}


class WeComError(OAuth2Error):
    def __init__(self, where: str, answer: dict):
        self.errcode = answer.get("errcode")
        super().__init__(f"企业微信 {where}: errcode {self.errcode} {answer.get('errmsg', '')}".strip())


class WeComClient(OAuth2Client):
    """``consumer_key`` is the corp id, ``consumer_secret`` the app's secret, ``agent_id`` the app's id."""

    def __init__(self, *args, agent_id: str, api_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent_id = agent_id
        self.api_url = api_url

    def get_redirect_url(self, authorization_url, scope, extra_params):
        params = OrderedDict(
            login_type="CorpApp",
            appid=self.consumer_key,
            agentid=self.agent_id,
            redirect_uri=self.callback_url,
            state=self.state,
        )
        params.update(extra_params)
        return f"{authorization_url}?{urlencode(params)}"

    def _get(self, path: str, params: dict) -> dict:
        try:
            with get_adapter().get_requests_session() as session:
                response = session.get(self.api_url + path, params=params)
                response.raise_for_status()
                answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            # Not the exception itself: its text carries the URL, and gettoken's URL carries the secret.
            status = getattr(getattr(exc, "response", None), "status_code", "")
            raise OAuth2Error(f"企业微信 {path}: {type(exc).__name__} {status}".strip()) from None
        if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
            raise WeComError(path, answer if isinstance(answer, dict) else {})
        return answer

    def _token_cache_key(self) -> str:
        digest = hashlib.sha256(
            f"{self.api_url}|{self.consumer_key}|{self.consumer_secret}".encode()
        ).hexdigest()
        return f"wecom-app-token:{digest[:32]}"

    def app_access_token(self, *, fresh: bool = False) -> str:
        key = self._token_cache_key()
        token = None if fresh else cache.get(key)
        if not token:
            answer = self._get(
                "/cgi-bin/gettoken", {"corpid": self.consumer_key, "corpsecret": self.consumer_secret}
            )
            token = answer.get("access_token")
            if not token:
                raise OAuth2Error("企业微信 /cgi-bin/gettoken: no access_token")
            # Kept a little shorter than the platform does, so a cached token never expires mid-sign-in.
            cache.set(key, token, max(60, int(answer.get("expires_in", 7200)) - 300))
        return token

    def _get_with_token(self, path: str, params: dict) -> dict:
        try:
            return self._get(path, {"access_token": self.app_access_token(), **params})
        except WeComError as exc:
            if exc.errcode not in STALE_TOKEN_ERRORS:
                raise
            return self._get(path, {"access_token": self.app_access_token(fresh=True), **params})

    def get_access_token(self, code, pkce_code_verifier=None):
        """企业微信 has no per-user token: the code is exchanged for the member, with the app's token."""
        if not code:
            raise OAuth2Error("企业微信: no code")
        member = self._get_with_token("/cgi-bin/auth/getuserinfo", {"code": code})
        userid = member.get("userid") or member.get("UserId")
        if not userid:
            raise OAuth2Error("企业微信: the person who scanned is not a member of this company")
        detail = self._get_with_token("/cgi-bin/user/get", {"userid": userid})
        return {"access_token": code, "member": {**detail, "userid": userid, "corpid": self.consumer_key}}
