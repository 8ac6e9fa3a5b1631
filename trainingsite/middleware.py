import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)


def database_unavailable(exc: BaseException | None) -> bool:
    """True for the errors a database that cannot be reached raises (refused, reset, timed out)."""
    return isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    )


def unavailable_response() -> HttpResponse:
    """The 503 page. Rendered without the request: its context processors would query the database."""
    html = render_to_string("503.html", request=None)
    return HttpResponse(html, status=503, headers={"Retry-After": "30", "Cache-Control": "no-store"})


class DatabaseUnavailableMiddleware:
    """Answer a clear 503 page, not a traceback, while the database cannot be reached.

    Covers exceptions from views and templates; ``trainingsite.views.server_error`` covers the ones raised
    by other middleware (a session or user lookup), so every page answers the same 503.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            logger.warning("database unavailable: %s", exception)
            return unavailable_response()
        return None


PRIVATE_CONTENT_TYPES = ("application/pdf", "text/csv", "application/vnd.openxmlformats")


class PrivateNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every page a signed-in person gets, and on every export and
    PDF whoever asks: a shared computer's browser cache or a proxy must not keep recruits' results.

    Signed in means a session cookie came or goes with the response (everyone signed in has one): no
    session or user lookup, so pages that never needed them (/health/) do not start to query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        cookie = settings.SESSION_COOKIE_NAME
        with_session = cookie in request.COOKIES or cookie in response.cookies
        if with_session or response.get("Content-Type", "").startswith(PRIVATE_CONTENT_TYPES):
            patch_cache_control(response, private=True, no_store=True)
        return response
