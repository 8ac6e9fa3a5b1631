from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import policy


def pending_reviews(request: HttpRequest) -> int:
    """The review-queue count for a trainer's header badge, counted at most once per request (the home page
    shows it too)."""
    if not hasattr(request, "_pending_reviews"):
        from assessments.trainer_selectors import reviews_pending_count

        request._pending_reviews = reviews_pending_count(user=request.user)
    return request._pending_reviews


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    is_trainer = bool(user and policy.is_trainer(user))
    return {
        "SITE_NAME": settings.SITE_NAME,
        "is_trainer": is_trainer,
        "is_manager": bool(user and policy.is_manager(user)),
        # Lazy: read only where the header renders the badge, so pages without it (errors, JSON) pay nothing.
        "pending_reviews": SimpleLazyObject(lambda: pending_reviews(request)) if is_trainer else 0,
    }
