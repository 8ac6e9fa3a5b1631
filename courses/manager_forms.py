"""Forms of the hiring managers' pages, and the dashboard's query parameters (filters, sort, page).

``dashboard_params_parse`` is pure: it turns a query string into ``DashboardParams`` plus one message per
value it could not use, so a hand-edited URL gets the defaults and says why, never a 500.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort, Course
from trainingsite.text import validate_single_line

PAGE_SIZE = 50
MAX_INVITES = 200
STATUSES = ("all", "completed", "in_progress", "not_started", "awaiting_review")
FIXED_SORTS = ("name", "percent", "score", "due")
MODULE_SORT_PREFIX = "module-"


def status_label(status: str) -> str:
    labels = {
        "all": _("All"),
        "completed": _("Completed"),
        "in_progress": pgettext_lazy("module status", "In progress"),
        "not_started": _("Not started"),
        "awaiting_review": _("Awaiting review"),
    }
    return str(labels[status])


@dataclass(frozen=True)
class DashboardParams:
    """What the cohort overview shows: sort key (``-`` prefix for descending), filters and the page."""

    sort: str = "name"
    skill: str = ""
    status: str = "all"
    overdue: bool = False
    page: int = 1

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def module_sort_id(self) -> int | None:
        key = self.sort_key
        return int(key.removeprefix(MODULE_SORT_PREFIX)) if key.startswith(MODULE_SORT_PREFIX) else None

    def as_dict(self) -> dict[str, Any]:
        """The filters and sort (not the page): what an export job keeps."""
        data = asdict(self)
        data.pop("page")
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DashboardParams:
        fields = {k: data[k] for k in ("sort", "skill", "status", "overdue") if k in data}
        return cls(**fields)

    def query(self, **changes: Any) -> str:
        """The query string for these parameters with ``changes``; defaults are left out."""
        params = replace(self, **changes)
        pairs = []
        if params.sort != "name":
            pairs.append(("sort", params.sort))
        if params.skill:
            pairs.append(("skill", params.skill))
        if params.status != "all":
            pairs.append(("status", params.status))
        if params.overdue:
            pairs.append(("overdue", "1"))
        if params.page != 1:
            pairs.append(("page", str(params.page)))
        return urlencode(pairs)

    def sort_query(self, key: str) -> str:
        """The link of a column header: sort by ``key``, or reverse it when it is the current sort."""
        sort = f"-{key}" if self.sort_key == key and not self.descending else key
        return self.query(sort=sort, page=1)


def dashboard_params_parse(
    data: Mapping[str, str], *, module_ids: Collection[int], skill_areas: Collection[str]
) -> tuple[DashboardParams, list[str]]:
    """Parameters from a query string; each value outside the allowed set is replaced by its default and
    named in a message."""
    errors: list[str] = []
    values: dict[str, Any] = {}
    sort = (data.get("sort") or "").strip()
    if sort:
        key = sort.removeprefix("-")
        allowed = key in FIXED_SORTS
        if key.startswith(MODULE_SORT_PREFIX):
            number = key.removeprefix(MODULE_SORT_PREFIX)
            allowed = number.isdigit() and int(number) in module_ids
        if allowed:
            values["sort"] = sort
        else:
            errors.append(
                gettext("Cannot sort by “%(value)s”; sorted by name instead.") % {"value": sort[:40]}
            )
    skill = (data.get("skill") or "").strip()
    if skill:
        if skill in skill_areas:
            values["skill"] = skill
        else:
            errors.append(
                gettext("“%(value)s” is not a skill area of this course; showing every module.")
                % {"value": skill[:40]}
            )
    status = (data.get("status") or "").strip()
    if status:
        if status in STATUSES:
            values["status"] = status
        else:
            errors.append(
                gettext("“%(value)s” is not a status filter; showing every recruit.") % {"value": status[:40]}
            )
    overdue = (data.get("overdue") or "").strip()
    if overdue:
        if overdue in ("1", "on", "true"):
            values["overdue"] = True
        elif overdue not in ("0", "off", "false"):
            errors.append(
                gettext("“%(value)s” is not a valid overdue filter; showing every recruit.")
                % {"value": overdue[:40]}
            )
    page = (data.get("page") or "").strip()
    if page:
        if page.isdigit() and 0 < int(page) < 10**9:
            values["page"] = int(page)
        else:
            errors.append(gettext("“%(value)s” is not a page number; showing page 1.") % {"value": page[:40]})
    return DashboardParams(**values), errors


def compare_ids_parse(values: list[str]) -> list[int] | None:
    """The distinct recruit ids of a comparison, in the order given; None when one is not a number."""
    ids: list[int] = []
    for raw in values:
        if not raw.strip().isdigit():
            return None
        number = int(raw)
        if number not in ids:
            ids.append(number)
    return ids


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "course", "start_date", "description"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"start_date": _("Due dates count from this day.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.order_by("position", "slug")
        self.fields["course"].label_from_instance = lambda course: course.display_title
        self.fields["name"].validators.append(validate_single_line)


def _emails_split(text: str) -> list[str]:
    for separator in (",", ";", "，", "；", "\t", " "):
        text = text.replace(separator, "\n")
    seen: list[str] = []
    for line in text.splitlines():
        email = line.strip().strip("<>").strip()
        if email and email.lower() not in [e.lower() for e in seen]:
            seen.append(email)
    return seen


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("One address per line (or separated by commas), at most 200 at a time."),
    )

    def clean_emails(self) -> list[str]:
        emails = _emails_split(self.cleaned_data["emails"])
        if not emails:
            raise ValidationError(gettext("Enter at least one email address."), code="empty")
        if len(emails) > MAX_INVITES:
            raise ValidationError(
                gettext("%(n)s addresses: at most %(max)s at a time.")
                % {"n": len(emails), "max": MAX_INVITES},
                code="too_many",
            )
        bad = []
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                bad.append(email)
        if bad:
            raise ValidationError(
                gettext("Not an email address: %(list)s") % {"list": ", ".join(b[:80] for b in bad[:5])},
                code="invalid",
            )
        return emails


class ManagerAddForm(forms.Form):
    email = forms.EmailField(
        label=_("Email of another hiring manager"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])
