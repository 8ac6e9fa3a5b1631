from django import forms
from django.utils.translation import gettext_lazy as _

from workchat.models import PlatformChoice


class GroupBotForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=PlatformChoice.choices)
    name = forms.CharField(
        label=_("Bot name"), max_length=60, help_text=_("How this page names the bot, e.g. the group's name.")
    )
    webhook_url = forms.CharField(
        label=_("Webhook address"),
        max_length=500,
        help_text=_(
            "Copied from the bot's settings in the group. It is stored encrypted and never shown again."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"}),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        help_text=_("钉钉 加签 (starts with SEC) or 飞书 签名校验; empty for 企业微信. Stored encrypted."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
