from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import selectors, services
from notifications.forms import EmailPreferencesForm
from notifications.texts import notification_text

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    inbox = selectors.notification_inbox(user=request.user)
    page = Paginator(inbox, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(n, *notification_text(n)) for n in page.object_list]
    return render(request, "notifications/list.html", {"page": page, "items": items})


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    notification = selectors.notification_get_for_owner(user=request.user, notification_id=notification_id)
    if notification.read_at is None:
        services.notifications_mark_read(user=request.user, ids=[notification.pk])
    url = notification.url
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts=None):  # internal paths only
        url = "notification_list"
    return redirect(url)


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user)
    return redirect("notification_list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    kinds = selectors.notification_kinds_for(user=request.user)
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST, kinds=kinds)
        if form.is_valid():
            services.preferences_save(user=request.user, emails=form.cleaned_data)
            messages.success(request, _("Your email choices are saved."))
            return redirect("notification_preferences")
    else:
        form = EmailPreferencesForm(initial=selectors.email_preferences(user=request.user), kinds=kinds)
    return render(request, "notifications/preferences.html", {"form": form})
