from django.conf import settings
from django.http import HttpRequest

from accounts import policy


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "is_trainer": bool(user and policy.is_trainer(user)),
        "is_manager": bool(user and policy.is_manager(user)),
    }
