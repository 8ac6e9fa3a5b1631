"""Reads for notifications, always scoped to the requesting user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts import policy
from accounts.models import User
from notifications.models import Kind, Notification, NotificationPreference


def notification_inbox(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


def notification_get_for_owner(*, user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; 404 for anyone else's."""
    return get_object_or_404(Notification, pk=notification_id, user_id=user.pk)


def notification_kinds_for(*, user: User) -> list[Kind]:
    """The kinds a user can receive: review requests reach trainers only."""
    return [k for k in Kind if k != Kind.REVIEW_NEEDED or policy.is_trainer(user)]


def email_preferences(*, user: User) -> dict[str, bool]:
    """Email on or off for every kind the user can receive (on unless switched off)."""
    stored = dict(NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "email"))
    return {k.value: stored.get(k.value, True) for k in notification_kinds_for(user=user)}
