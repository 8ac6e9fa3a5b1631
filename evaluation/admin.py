from django.contrib import admin

from evaluation.models import ModuleFeedback


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
