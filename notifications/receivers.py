"""Signal receivers, connected in NotificationsConfig.ready(): each calls one service."""

from notifications.services import user_language_set


def language_at_signup(sender, request, user, **kwargs) -> None:
    """allauth's user_signed_up: keep the language the new user signed up in."""
    language = getattr(request, "LANGUAGE_CODE", None)
    if language:
        user_language_set(user=user, language=language)
