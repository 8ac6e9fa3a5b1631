"""The manager's group-bot page: attach, test and remove a cohort's bots; see what was delivered."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.manager_selectors import cohort_get
from courses.manager_views import manager_required
from workchat import selectors, services
from workchat.forms import GroupBotForm


def _page(request: HttpRequest, cohort_id: int, *, form: GroupBotForm | None = None, status: int = 200):
    page = selectors.bot_page(user=request.user, cohort_id=cohort_id)
    ctx = {"page": page, "cohort": page.cohort, "form": form or GroupBotForm(), "nonce": uuid.uuid4()}
    return render(request, "workchat/bots.html", ctx, status=status)


@manager_required
@require_GET
def bot_list(request: HttpRequest, cohort_id: int) -> HttpResponse:
    return _page(request, cohort_id)


@manager_required
@require_POST
def bot_add(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = cohort_get(user=request.user, cohort_id=cohort_id)
    form = GroupBotForm(request.POST)
    if form.is_valid():
        try:
            bot = services.bot_create(cohort=cohort, acting_user=request.user, **form.cleaned_data)
        except services.WorkchatError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Bot “%(name)s” attached. Send a test message to check it.") % {"name": bot.name}
            )
            return redirect("workchat_bots", cohort_id=cohort.pk)
    return _page(request, cohort_id, form=form, status=400)


@manager_required
@require_POST
def bot_test(request: HttpRequest, cohort_id: int, bot_id: int) -> HttpResponse:
    bot = selectors.bot_get(user=request.user, cohort_id=cohort_id, bot_id=bot_id)
    try:
        _delivery, created = services.bot_test_queue(bot=bot, nonce=request.POST.get("nonce", ""))
    except services.WorkchatError as exc:
        messages.error(request, str(exc))
        return redirect("workchat_bots", cohort_id=cohort_id)
    if created:
        messages.success(request, _("Test message queued: its result appears below in a moment."))
    else:
        messages.info(request, _("This test message was already queued."))
    return redirect("workchat_bots", cohort_id=cohort_id)


@manager_required
@require_POST
def bot_remove(request: HttpRequest, cohort_id: int, bot_id: int) -> HttpResponse:
    bot = selectors.bot_get(user=request.user, cohort_id=cohort_id, bot_id=bot_id)
    services.bot_delete(bot=bot)
    messages.success(request, _("Bot “%(name)s” removed.") % {"name": bot.name})
    return redirect("workchat_bots", cohort_id=cohort_id)
