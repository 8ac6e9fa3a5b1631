"""Sign-in providers from the environment: each only when its id and secret are set, CSP form-action opened
to exactly the configured platforms' sign-in hosts, and 企业微信's sign-in link as its docs give it."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from hypothesis import given
from hypothesis import strategies as st

from accounts.providers.wecom.client import WeComClient
from tests.unit.site.test_settings import run_manage
from trainingsite.settings import social_login_origins

SHOW = (
    "from django.conf import settings; import json; p = settings.SOCIALACCOUNT_PROVIDERS; "
    "print(json.dumps({'apps': {k: v['APPS'] for k, v in p.items()}, "
    "'form_action': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))"
)


def shown(**env: str) -> dict:
    result = run_manage("shell", "-c", SHOW, DEBUG="True", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_no_provider_is_configured_and_forms_post_only_to_the_site():
    found = shown()
    assert found["apps"] == {"dingtalk": [], "feishu": [], "wecom": [], "openid_connect": []}
    assert found["form_action"] == ["'self'"]


def test_each_provider_comes_from_its_environment_and_opens_form_action_to_its_sign_in_host():
    found = shown(
        WECOM_CORP_ID="ww123",
        WECOM_AGENT_ID="1000002",
        WECOM_SECRET="s1",
        DINGTALK_CLIENT_ID="ding123",
        DINGTALK_CLIENT_SECRET="s2",
        DINGTALK_CORP_ID="dingcorp",
        FEISHU_APP_ID="cli_1",
        FEISHU_APP_SECRET="s3",
        FEISHU_BASE_URL="https://open.larksuite.com",
        OIDC_SERVER_URL="https://sso.example.com/realms/corp",
        OIDC_CLIENT_ID="site",
        OIDC_CLIENT_SECRET="s4",
        OIDC_NAME="公司统一登录",
    )
    apps = found["apps"]
    assert apps["wecom"] == [{"client_id": "ww123", "secret": "s1", "settings": {"agent_id": "1000002"}}]
    assert apps["dingtalk"] == [{"client_id": "ding123", "secret": "s2"}]
    assert apps["feishu"] == [{"client_id": "cli_1", "secret": "s3"}]
    assert apps["openid_connect"] == [
        {
            "client_id": "site",
            "secret": "s4",
            "provider_id": "sso",
            "name": "公司统一登录",
            "settings": {"server_url": "https://sso.example.com/realms/corp"},
        }
    ]
    assert found["form_action"] == [
        "'self'",
        "https://login.dingtalk.com",
        "https://login.work.weixin.qq.com",
        "https://open.larksuite.com",
        "https://sso.example.com",
    ]


def test_an_id_without_its_secret_configures_nothing():
    found = shown(WECOM_CORP_ID="ww123", WECOM_AGENT_ID="1000002", FEISHU_APP_SECRET="only-the-secret")
    assert found["apps"]["wecom"] == []
    assert found["apps"]["feishu"] == []
    assert found["form_action"] == ["'self'"]


HOSTS = st.from_regex(r"[a-z]{1,10}(\.[a-z]{2,6}){1,2}(:[1-9][0-9]{2,4})?", fullmatch=True)


@given(
    configured=st.fixed_dictionaries({p: st.booleans() for p in ("dingtalk", "feishu", "wecom", "oidc")}),
    hosts=st.fixed_dictionaries(dict.fromkeys(("dingtalk", "feishu", "wecom", "oidc"), HOSTS)),
    scheme=st.sampled_from(["https", "http"]),
)
def test_form_action_origins_are_exactly_the_configured_platforms(configured, hosts, scheme):
    app = [{"client_id": "id", "secret": "s"}]
    providers = {
        "dingtalk": {
            "APPS": app if configured["dingtalk"] else [],
            "LOGIN_URL": f"{scheme}://{hosts['dingtalk']}",
        },
        "feishu": {"APPS": app if configured["feishu"] else [], "BASE_URL": f"{scheme}://{hosts['feishu']}/"},
        "wecom": {"APPS": app if configured["wecom"] else [], "LOGIN_URL": f"{scheme}://{hosts['wecom']}"},
        "openid_connect": {
            "APPS": [{**app[0], "settings": {"server_url": f"{scheme}://{hosts['oidc']}/realms/x"}}]
            if configured["oidc"]
            else []
        },
    }

    origins = social_login_origins(providers)

    expected = {f"{scheme}://{hosts[p]}" for p, on in configured.items() if on}
    assert origins == sorted(expected)


def test_the_wecom_sign_in_link_carries_what_the_documentation_asks_for():
    client = WeComClient(
        None,
        "ww123",
        "secret",
        "GET",
        "https://qyapi.weixin.qq.com/cgi-bin/gettoken",
        "https://academy.example.com/accounts/wecom/login/callback/",
        agent_id="1000002",
        api_url="https://qyapi.weixin.qq.com",
    )
    client.state = "Ab3xYz"

    url = urlparse(client.get_redirect_url("https://login.work.weixin.qq.com/wwlogin/sso/login", [], {}))

    assert (url.scheme, url.netloc, url.path) == ("https", "login.work.weixin.qq.com", "/wwlogin/sso/login")
    assert {k: v[-1] for k, v in parse_qs(url.query).items()} == {
        "login_type": "CorpApp",
        "appid": "ww123",
        "agentid": "1000002",
        "redirect_uri": "https://academy.example.com/accounts/wecom/login/callback/",
        "state": "Ab3xYz",
    }
    assert "secret" not in url.query
