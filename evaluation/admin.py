from django.contrib import admin

from evaluation.models import ItemEvent, Mentorship, ModuleFeedback


@admin.register(ModuleFeedback)
class ModuleFeedbackAdmin(admin.ModelAdmin):
    list_display = (
        "module",
        "version",
        "user",
        "usefulness",
        "difficulty",
        "clarity",
        "show_name",
        "created_at",
    )
    list_filter = ("module", "show_name")
    search_fields = ("user__email", "module__slug", "comment")
    list_select_related = ("module", "version", "version__module", "user")
    raw_id_fields = ("user", "version")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ("recruit", "mentor", "cohort", "assigned_by", "assigned_at")
    search_fields = ("recruit__email", "mentor__email", "cohort__name")
    list_select_related = ("recruit", "mentor", "cohort", "assigned_by")
    raw_id_fields = ("recruit", "mentor", "cohort", "assigned_by")


@admin.register(ItemEvent)
class ItemEventAdmin(admin.ModelAdmin):
    """The audit trail: read only, as an audit must be."""

    list_display = ("at", "actor", "progress", "from_status", "to_status")
    list_select_related = ("actor", "progress")
    search_fields = ("actor__email", "comment")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
