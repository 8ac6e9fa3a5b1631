"""What the work-platform providers share: hosts from settings, and the directory's email address."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.utils import valid_email_or_none
from allauth.socialaccount import app_settings


def provider_setting(provider_id: str, key: str, default: str) -> str:
    """One value of ``SOCIALACCOUNT_PROVIDERS[provider_id]``, read on every request (tests override it)."""
    return (app_settings.PROVIDERS.get(provider_id, {}).get(key) or default).rstrip("/")


def directory_email_addresses(provider, *emails: str | None) -> list[EmailAddress]:
    """The first valid address the company directory gave, verified only when the provider's settings say
    ``VERIFIED_EMAIL`` (the company manages its members' addresses). Verified addresses link an existing
    account; unverified ones never do."""
    verified = bool(provider.get_settings().get("VERIFIED_EMAIL", False))
    for email in emails:
        if email := valid_email_or_none((email or "").strip()):
            return [EmailAddress(email=email, verified=verified, primary=True)]
    return []
