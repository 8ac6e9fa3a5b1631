"""allauth's 飞书 provider with its host from settings (BASE_URL: https://open.larksuite.com for Lark)."""

from __future__ import annotations

from allauth.socialaccount.providers.feishu.provider import FeishuProvider as ShippedFeishuProvider
from django.utils.translation import gettext_lazy as _

from accounts.providers.base import directory_email_addresses
from accounts.providers.feishu.views import FeishuOAuth2Adapter


class FeishuProvider(ShippedFeishuProvider):
    name = _("Feishu")
    package = "accounts.providers.feishu"
    oauth2_adapter_class = FeishuOAuth2Adapter

    def extract_common_fields(self, data):
        return {"name": data.get("name") or ""}

    def extract_email_addresses(self, data):
        # enterprise_email is the mailbox the company gives; email is the one the member entered.
        return directory_email_addresses(self, data.get("enterprise_email"), data.get("email"))


provider_classes = [FeishuProvider]
