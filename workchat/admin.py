from django.contrib import admin

from workchat.models import Delivery, GroupBot


@admin.register(GroupBot)
class GroupBotAdmin(admin.ModelAdmin):
    """Read-only; the credentials show only as their masked hints."""

    list_display = ("name", "platform", "cohort", "webhook_hint", "created_at")
    list_filter = ("platform",)
    list_select_related = ("cohort",)
    fields = ("cohort", "platform", "name", "webhook_hint", "secret_hint", "created_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: what was sent to each bot and what the platform answered."""

    list_display = ("created_at", "bot", "kind", "key", "status", "attempts", "error_code")
    list_filter = ("status", "kind")
    list_select_related = ("bot",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
