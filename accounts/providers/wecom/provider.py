from __future__ import annotations

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from django.utils.translation import gettext_lazy as _

from accounts.providers.base import directory_email_addresses
from accounts.providers.wecom.views import WeComOAuth2Adapter


class WeComAccount(ProviderAccount):
    def get_avatar_url(self):
        return self.account.extra_data.get("avatar") or None

    def to_str(self):
        return self.account.extra_data.get("name") or super().to_str()


class WeComProvider(OAuth2Provider):
    id = "wecom"
    name = _("WeCom")
    account_class = WeComAccount
    oauth2_adapter_class = WeComOAuth2Adapter

    def get_default_scope(self):
        return []

    def extract_uid(self, data):
        # A userid is unique within one company only.
        return f"{data['corpid']}:{data['userid']}"

    def extract_common_fields(self, data):
        return {"name": data.get("name") or ""}

    def extract_email_addresses(self, data):
        # biz_mail is the company mailbox; email the address the administrator entered.
        return directory_email_addresses(self, data.get("biz_mail"), data.get("email"))


provider_classes = [WeComProvider]
