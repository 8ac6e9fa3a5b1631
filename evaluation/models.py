"""Recruits' feedback on the training itself (the reaction level): one rating per recruit and version."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import Module, ModuleVersion

RATING_MIN = 1
RATING_MAX = 5
COMMENT_MAX = 1000
_RATING = [MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]


class ModuleFeedback(models.Model):
    """A recruit's rating of one module version after passing the module, editable for a few days.

    ``module`` repeats ``version.module`` so a module's report reads one indexed table.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recruit")
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+", verbose_name=_("module"))
    version = models.ForeignKey(
        ModuleVersion, on_delete=models.CASCADE, related_name="+", verbose_name=_("module version")
    )
    usefulness = models.PositiveSmallIntegerField(_("usefulness"), validators=_RATING)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), validators=_RATING)
    clarity = models.PositiveSmallIntegerField(_("clarity"), validators=_RATING)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    show_name = models.BooleanField(
        _("trainers may see my name"),
        default=False,
        help_text=_("Off: trainers see the comment without a name."),
    )
    created_at = models.DateTimeField(_("first given"))
    updated_at = models.DateTimeField(_("last changed"))

    class Meta:
        verbose_name = _("module feedback")
        verbose_name_plural = _("module feedback")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="modulefeedback_unique_user_version"),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__gte": RATING_MIN, f"{name}__lte": RATING_MAX}),
                    name=f"modulefeedback_{name}_range",
                )
                for name in ("usefulness", "difficulty", "clarity")
            ],
        ]
        indexes = [models.Index(fields=["module", "version"], name="modulefeedback_module_version")]

    def __str__(self) -> str:
        return f"feedback of user {self.user_id} on version {self.version_id}"


from evaluation.defence_models import (  # noqa: E402,F401  (the defence models, registered with this app)
    Defence,
    DefenceRubric,
    DefenceRubricVersion,
    DefenceScore,
    DefenceScoreChange,
    PanelMember,
)
