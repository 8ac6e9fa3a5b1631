"""Forms of the trainer's regrade and override pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.services import REASON_MAX


class RegradeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        initial=_("Corrected answer key"),
        help_text=_("Recorded with every changed score."),
    )


class OverrideForm(forms.Form):
    score = forms.DecimalField(
        label=_("New score"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The recruit sees this reason next to the score."),
    )
