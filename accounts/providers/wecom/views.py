from __future__ import annotations

from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter, OAuth2CallbackView, OAuth2LoginView

from accounts.providers.base import provider_setting
from accounts.providers.wecom.client import WeComClient


class WeComOAuth2Adapter(OAuth2Adapter):
    provider_id = "wecom"
    client_class = WeComClient

    @property
    def authorize_url(self) -> str:
        return (
            provider_setting("wecom", "LOGIN_URL", "https://login.work.weixin.qq.com") + "/wwlogin/sso/login"
        )

    @property
    def access_token_url(self) -> str:
        return provider_setting("wecom", "API_URL", "https://qyapi.weixin.qq.com") + "/cgi-bin/gettoken"

    def get_client(self, request, app):
        return WeComClient(
            self.request,
            app.client_id,
            app.secret,
            "GET",
            self.access_token_url,
            self.get_callback_url(request, app),
            agent_id=str((app.settings or {}).get("agent_id", "")),
            api_url=provider_setting("wecom", "API_URL", "https://qyapi.weixin.qq.com"),
        )

    def complete_login(self, request, app, token, **kwargs):
        return self.get_provider().sociallogin_from_response(request, kwargs["response"]["member"])


oauth2_login = OAuth2LoginView.adapter_view(WeComOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WeComOAuth2Adapter)
