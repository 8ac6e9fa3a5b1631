from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = _("Spaced review")

    def ready(self) -> None:
        from courses.signals import module_passed
        from retention.tasks import cards_create_on_commit

        module_passed.connect(cards_create_on_commit, dispatch_uid="retention.cards_create_on_commit")
