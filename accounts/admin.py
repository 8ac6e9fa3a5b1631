from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import RoleChange, User
from accounts.services import user_role_set


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("email", "display_name", "role", "is_staff", "date_joined")
    list_filter = ("role", "is_staff", "is_active")
    search_fields = ("email", "display_name")
    ordering = ("email",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Training"), {"fields": ("role", "display_name", "start_date")}),
    )

    def save_model(self, request, obj, form, change):
        new_role = obj.role
        if change and "role" in form.changed_data:
            obj.role = form.initial.get("role", obj.role)
            super().save_model(request, obj, form, change)
            user_role_set(user=obj, role=new_role, acting_user=request.user)
            obj.role = new_role
        else:
            super().save_model(request, obj, form, change)


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    list_display = ("user", "old_role", "new_role", "acting_user", "created_at")
    readonly_fields = ("user", "old_role", "new_role", "acting_user", "created_at")
