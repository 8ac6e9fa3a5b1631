from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # Celery's autodiscovery imports only ``tasks``; the regrade task lives in its own module.
        from assessments import analysis_tasks, regrade_tasks  # noqa: F401
