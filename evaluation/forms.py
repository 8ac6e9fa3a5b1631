"""The recruit's rating form: three 1–5 scales with labelled ends, a comment and the name choice."""

from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from evaluation.models import COMMENT_MAX
from evaluation.services import Ratings
from trainingsite.text import validate_no_nul

SCALE_CHOICES = [(n, str(n)) for n in range(1, 6)]

# Each scale's label and what its two ends mean, shown beside the radio buttons.
SCALES = {
    "usefulness": (_("How useful was this module for your work?"), _("not useful"), _("very useful")),
    "difficulty": (_("How hard was it?"), _("far too easy"), _("far too hard")),
    "clarity": (_("How clear were the lessons and questions?"), _("confusing"), _("very clear")),
}


def _scale(name: str) -> forms.TypedChoiceField:
    label, low, high = SCALES[name]
    field = forms.TypedChoiceField(
        label=label,
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a value from 1 to 5."),
            "invalid_choice": _("Each rating is a whole number from 1 to 5."),
        },
    )
    field.low, field.high = low, high
    return field


class FeedbackForm(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form was for another version of the module. Reload the page and rate again."),
            "invalid": _("This form was for another version of the module. Reload the page and rate again."),
        },
    )
    usefulness = _scale("usefulness")
    difficulty = _scale("difficulty")
    clarity = _scale("clarity")
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        validators=[validate_no_nul],
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
        help_text=_("What helped, what was missing, what to change. At most %(max)d characters.")
        % {"max": COMMENT_MAX},
    )
    show_name = forms.BooleanField(
        label=_("Trainers may see my name with this comment"),
        required=False,
        help_text=_("Left unticked, trainers see your comment without your name."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Django's own NUL check would say it a second time, in other words than the rest of the site.
        field = self.fields["comment"]
        field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def scales(self):
        """The three rating fields, with their labelled ends, for the template."""
        return [(self[name], self.fields[name].low, self.fields[name].high) for name in SCALES]

    def ratings(self) -> Ratings:
        data = self.cleaned_data
        return Ratings(
            usefulness=data["usefulness"],
            difficulty=data["difficulty"],
            clarity=data["clarity"],
            comment=data["comment"],
            show_name=data["show_name"],
        )


def feedback_form_for(state, data=None) -> FeedbackForm:
    """The form for a recruit's rating state: filled in with their answer when there is one."""
    initial = {"version": state.version_id}
    if state.feedback:
        f = state.feedback
        initial.update(
            version=f.version_id,
            usefulness=f.usefulness,
            difficulty=f.difficulty,
            clarity=f.clarity,
            comment=f.comment,
            show_name=f.show_name,
        )
    return FeedbackForm(data, initial=initial)
