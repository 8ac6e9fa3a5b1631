from __future__ import annotations

from allauth.socialaccount.providers.feishu.views import FeishuOAuth2Adapter as ShippedAdapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from accounts.providers.base import provider_setting


def _base() -> str:
    return provider_setting("feishu", "BASE_URL", "https://open.feishu.cn")


class FeishuOAuth2Adapter(ShippedAdapter):
    @property
    def authorize_url(self) -> str:
        return _base() + "/open-apis/authen/v1/index"

    @property
    def access_token_url(self) -> str:
        return _base() + "/open-apis/authen/v1/access_token"

    @property
    def user_info_url(self) -> str:
        return _base() + "/open-apis/authen/v1/user_info"

    def get_client(self, request, app):
        client = super().get_client(request, app)
        client.app_access_token_url = _base() + "/open-apis/auth/v3/app_access_token/internal/"
        return client


oauth2_login = OAuth2LoginView.adapter_view(FeishuOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(FeishuOAuth2Adapter)
