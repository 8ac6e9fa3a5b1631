from django.apps import AppConfig


class WeComConfig(AppConfig):
    # Installed so that allauth's provider registry finds provider.py; it has no models.
    name = "accounts.providers.wecom"
    label = "wecom"
    verbose_name = "WeCom"
