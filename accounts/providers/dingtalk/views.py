from __future__ import annotations

from allauth.socialaccount.providers.dingtalk.views import DingTalkOAuth2Adapter as ShippedAdapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from accounts.providers.base import provider_setting


class DingTalkOAuth2Adapter(ShippedAdapter):
    @property
    def authorize_url(self) -> str:
        return provider_setting("dingtalk", "LOGIN_URL", "https://login.dingtalk.com") + "/oauth2/auth"

    @property
    def access_token_url(self) -> str:
        return (
            provider_setting("dingtalk", "API_URL", "https://api.dingtalk.com")
            + "/v1.0/oauth2/userAccessToken"
        )

    @property
    def profile_url(self) -> str:
        return provider_setting("dingtalk", "API_URL", "https://api.dingtalk.com") + "/v1.0/contact/users/me"


oauth2_login = OAuth2LoginView.adapter_view(DingTalkOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(DingTalkOAuth2Adapter)
