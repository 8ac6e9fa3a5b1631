"""Reads for the manager's bot page, scoped through the cohort the manager manages."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from accounts.models import User
from courses.manager_selectors import cohort_get
from courses.models import Cohort
from workchat.models import Delivery, GroupBot

DELIVERIES_SHOWN = 20


@dataclass
class BotPage:
    cohort: Cohort
    bots: list[GroupBot]
    deliveries: list[Delivery]


def bot_page(*, user: User, cohort_id: int) -> BotPage:
    """The cohort's bots and latest deliveries: three queries. Another manager's cohort is a 404."""
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    bots = list(GroupBot.objects.filter(cohort=cohort))
    deliveries = list(
        Delivery.objects.filter(bot__cohort=cohort)
        .select_related("bot")
        .defer("lines", "bot__webhook_encrypted", "bot__secret_encrypted")[:DELIVERIES_SHOWN]
    )
    return BotPage(cohort=cohort, bots=bots, deliveries=deliveries)


def bot_get(*, user: User, cohort_id: int, bot_id: int) -> GroupBot:
    """A bot of a cohort ``user`` manages; anything else is a 404."""
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    try:
        return GroupBot.objects.select_related("cohort").get(pk=bot_id, cohort=cohort)
    except GroupBot.DoesNotExist:
        raise Http404("no such bot") from None
