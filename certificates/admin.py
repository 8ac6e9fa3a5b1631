from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from certificates.forms import RevokeForm
from certificates.models import Certificate, CertificateEvent, CertificateStatus
from certificates.services import certificate_revoke


class CertificateEventInline(admin.TabularInline):
    model = CertificateEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "reason", "actor")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class FlaggedFilter(admin.SimpleListFilter):
    title = _("flagged after a regrade")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Flagged")), ("no", _("Not flagged"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(flagged_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(flagged_at__isnull=True)
        return queryset


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates are written only by services: read-only here, revoked through the "Revoke" action."""

    list_display = ("code", "user", "course", "level", "issued_at", "expires_at", "status", "flagged_at")
    list_filter = ("status", FlaggedFilter, "level", "course")
    list_select_related = ("user", "course")
    search_fields = ("user__email", "user__display_name", "code")
    date_hierarchy = "issued_at"
    readonly_fields = [f.name for f in Certificate._meta.fields]
    inlines = [CertificateEventInline]
    actions = ("revoke",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke selected certificates (asks for a reason)"), permissions=["change"])
    def revoke(self, request, queryset):
        targets = list(queryset.filter(status=CertificateStatus.VALID).select_related("user", "course"))
        form = RevokeForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            revoked = 0
            for certificate in targets:
                try:
                    certificate_revoke(
                        certificate=certificate, reason=form.cleaned_data["reason"], acting_user=request.user
                    )
                except ValidationError as exc:
                    self.message_user(request, f"{certificate.code}: {exc.messages[0]}", messages.WARNING)
                    continue
                self.log_change(request, certificate, [{"changed": {"fields": ["status"]}}])
                revoked += 1
            self.message_user(
                request,
                ngettext("%(n)d certificate revoked.", "%(n)d certificates revoked.", revoked)
                % {"n": revoked},
                messages.SUCCESS,
            )
            return None
        if not targets:
            self.message_user(request, _("Only valid certificates can be revoked."), messages.WARNING)
            return None
        ctx = {
            **self.admin_site.each_context(request),
            "title": _("Revoke certificates"),
            "opts": self.model._meta,
            "form": form,
            "targets": targets,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "certificates/admin/revoke.html", ctx)


@admin.register(CertificateEvent)
class CertificateEventAdmin(admin.ModelAdmin):
    """The audit log: issued, revoked, flagged and cleared, with who and why. Read-only."""

    list_display = ("created_at", "kind", "certificate", "actor", "reason")
    list_filter = ("kind",)
    list_select_related = ("certificate", "actor")
    search_fields = ("certificate__code", "certificate__user__email")
    readonly_fields = [f.name for f in CertificateEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
