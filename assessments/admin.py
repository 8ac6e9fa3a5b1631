from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments.models import Attempt, AttemptStatus
from assessments.services import attempt_retry


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Attempts, read-only: filter on "Grading failed" to see failed gradings with their reason, and retry."""

    list_display = (
        "id",
        "user",
        "quiz",
        "number",
        "status",
        "submitted_at",
        "graded_at",
        "grading_tries",
        "error_short",
    )
    list_filter = ("status", "submitted_at")
    list_select_related = ("user", "quiz")
    search_fields = ("user__email", "public_id")
    date_hierarchy = "submitted_at"
    ordering = ("-submitted_at", "-id")
    actions = ("retry_grading",)
    readonly_fields = [f.name for f in Attempt._meta.fields]
    show_full_result_count = False

    @admin.display(description=_("Grading error"))
    def error_short(self, obj: Attempt) -> str:
        return Truncator(obj.error).chars(120)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Retry grading"), permissions=["change"])
    def retry_grading(self, request, queryset) -> None:
        retried = 0
        for attempt in queryset.filter(status=AttemptStatus.ERROR):
            if attempt_retry(attempt_id=attempt.pk):
                self.log_change(request, attempt, [{"changed": {"fields": ["status"]}}])
                retried += 1
        skipped = queryset.count() - retried
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(n)d attempt sent back to grading.", "%(n)d attempts sent back to grading.", retried
                )
                % {"n": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d attempt skipped: only failed gradings can be retried.",
                    "%(n)d attempts skipped: only failed gradings can be retried.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )
