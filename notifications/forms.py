from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind


class EmailPreferencesForm(forms.Form):
    """One "email me" checkbox per kind the user can receive."""

    def __init__(self, *args, kinds: list[Kind], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, required=False, help_text=HELP.get(kind, "")
            )


HELP = {
    Kind.GRADED: _("When a quiz or drill result is ready."),
    Kind.REVIEW_NEEDED: _("When a recruit's written response waits for your review."),
    Kind.CERTIFICATE_ISSUED: _("When you earn a certificate."),
    Kind.DUE_SOON: _("Three days before a required module is due."),
    Kind.OVERDUE: _("When a required module is past its due date."),
    Kind.CERTIFICATE_EXPIRING: _("Thirty days before a certificate expires."),
    Kind.REVIEW_DUE: _("Once a day when review cards of modules you passed are due."),
    Kind.CHECKLIST_SENT_BACK: _("When your mentor sends a checklist item back."),
    Kind.CHECKLIST_OVERDUE: _("When an on-the-job checklist item (yours or a mentee's) is past its day."),
}
