from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkchatConfig(AppConfig):
    name = "workchat"
    verbose_name = _("Work chat")
