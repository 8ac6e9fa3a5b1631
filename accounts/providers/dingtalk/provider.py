"""allauth's 钉钉 provider with its two hosts from settings (LOGIN_URL, API_URL)."""

from __future__ import annotations

from allauth.socialaccount.providers.dingtalk.provider import DingTalkProvider as ShippedDingTalkProvider
from django.utils.translation import gettext_lazy as _

from accounts.providers.base import directory_email_addresses
from accounts.providers.dingtalk.views import DingTalkOAuth2Adapter


class DingTalkProvider(ShippedDingTalkProvider):
    name = _("DingTalk")
    package = "accounts.providers.dingtalk"
    oauth2_adapter_class = DingTalkOAuth2Adapter

    def extract_common_fields(self, data):
        return {"name": data.get("nick") or ""}

    def extract_email_addresses(self, data):
        return directory_email_addresses(self, data.get("email"))


provider_classes = [DingTalkProvider]
