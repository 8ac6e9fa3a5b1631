"""The forms of the 转正答辩 pages: the manager's schedule form; `levels_from_post` reads a score sheet."""

from __future__ import annotations

import re

from django import forms
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from courses.models import Cohort
from evaluation.defence_models import PANEL_MAX, REASON_MAX
from evaluation.defence_selectors import rubric_title, rubric_versions_current

LEVEL_PREFIX = "level-"
MAX_EMAILS_CHARS = 1000


class DefenceScheduleForm(forms.Form):
    recruit = forms.TypedChoiceField(label=_("Recruit"), coerce=int)
    rubric = forms.TypedChoiceField(label=_("Rubric"), coerce=int)
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    panel = forms.CharField(
        label=_("Panel (2 to 4 email addresses)"),
        max_length=MAX_EMAILS_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line or separated by commas. The recruit cannot be on their own panel."),
    )

    def __init__(self, *args, cohort: Cohort, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        recruits = User.objects.filter(cohorts=cohort).order_by("email").only("id", "email", "display_name")
        self.fields["recruit"].choices = [(u.pk, str(u)) for u in recruits]
        self.fields["rubric"].choices = [
            (v.pk, f"{rubric_title(v)} v{v.number}") for v in rubric_versions_current()
        ]

    def clean_panel(self) -> list[int]:
        text = self.cleaned_data["panel"]
        if "\x00" in text:
            raise forms.ValidationError(_("The panel list contains a NUL character."))
        emails = [e.strip().lower() for e in re.split(r"[,\s;，；]+", text) if e.strip()]
        if len(emails) > PANEL_MAX:
            raise forms.ValidationError(_("A panel has at most %(max)d members.") % {"max": PANEL_MAX})
        found = User.objects.annotate(address=Lower("email")).filter(address__in=emails, is_active=True)
        users = {u.address: u.pk for u in found.only("id", "email")}
        unknown = [e for e in emails if e not in users]
        if unknown:
            raise forms.ValidationError(
                _("No active user has the address %(emails)s.") % {"emails": ", ".join(unknown)}
            )
        return [users[e] for e in emails]


class ScoreChangeForm(forms.Form):
    criterion = forms.CharField(max_length=60)
    level = forms.TypedChoiceField(
        label=_("New level"), coerce=int, choices=[(i, str(i)) for i in range(1, 5)]
    )
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


def levels_from_post(post) -> dict[str, str]:
    """The ``level-<criterion id>`` fields of a score sheet post, by criterion id."""
    return {key[len(LEVEL_PREFIX) :]: value for key, value in post.items() if key.startswith(LEVEL_PREFIX)}
