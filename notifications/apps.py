from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up

        from notifications.receivers import language_at_signup

        user_signed_up.connect(language_at_signup, dispatch_uid="notifications.language_at_signup")
