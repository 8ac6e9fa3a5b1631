"""Forms of the trainer's regrade and override pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.grading.rubric import level_points
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


class ReviewForm(forms.Form):
    """A trainer's score and comment for each criterion of a rubric, and an overall comment."""

    comment = forms.CharField(
        label=_("Comment to the recruit"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args,
        criteria: list[dict],
        suggestion: dict[str, str],
        level_suggestion: dict[str, int] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            cid = criterion["id"]
            if criterion.get("levels"):
                # Trainers score against descriptors, not bare points (issue #13 §3): level 1 … 4.
                self.fields[f"level_{cid}"] = forms.TypedChoiceField(
                    label=_("Level for “%(c)s”") % {"c": cid},
                    choices=[(n, f"{n} · {text}") for n, text in enumerate(criterion["levels"], 1)],
                    coerce=int,
                    initial=(level_suggestion or {}).get(cid),
                    widget=forms.RadioSelect,
                )
                self.fields[f"comment_{cid}"] = forms.CharField(
                    label=_("Comment on “%(c)s”") % {"c": cid}, max_length=2000, required=False
                )
                continue
            self.fields[f"score_{cid}"] = forms.DecimalField(
                label=_("Points for “%(c)s”") % {"c": cid},
                min_value=0,
                max_value=Decimal(criterion["points"]),
                max_digits=8,
                decimal_places=2,
                initial=suggestion.get(cid),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6}),
            )
            self.fields[f"comment_{cid}"] = forms.CharField(
                label=_("Comment on “%(c)s”") % {"c": cid}, max_length=2000, required=False
            )

    def _field(self, criterion: dict) -> str:
        return f"level_{criterion['id']}" if criterion.get("levels") else f"score_{criterion['id']}"

    def rows(self) -> list[tuple[dict, forms.BoundField, forms.BoundField]]:
        return [(c, self[self._field(c)], self[f"comment_{c['id']}"]) for c in self.criteria]

    def levels(self) -> dict[str, int]:
        return {c["id"]: self.cleaned_data[f"level_{c['id']}"] for c in self.criteria if c.get("levels")}

    def decision(self) -> tuple[dict[str, str], dict[str, str], str]:
        data = self.cleaned_data
        scores = {
            c["id"]: str(
                level_points(Decimal(c["points"]), data[f"level_{c['id']}"])
                if c.get("levels")
                else data[f"score_{c['id']}"]
            )
            for c in self.criteria
        }
        comments = {c["id"]: data[f"comment_{c['id']}"] for c in self.criteria}
        return scores, comments, data["comment"]
