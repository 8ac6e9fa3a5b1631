import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from trainingsite.celery import broker_status
from trainingsite.middleware import database_unavailable, unavailable_response


@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches neither the database nor Redis (``/health/`` reports those);
    the benchmarks use it as the trivial view, the floor of any request."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Database, Redis, live workers by queue and the sweeper's last run.

    503 only when the database does not answer: without it no page works, so a load balancer should stop
    sending traffic. Redis or workers being down makes it ``degraded`` (200): pages and submissions still
    work, and the sweeper grades what was submitted once they are back.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # any failure means "not healthy"
        database = f"error: {exc.__class__.__name__}"
    report = {"database": database, **broker_status()}
    workers = report["workers"]
    if database != "ok":
        report["status"] = "down"
    elif workers == "in-process" or (
        report["redis"] == "ok" and isinstance(workers, dict) and workers["by_queue"].get("grading")
    ):
        report["status"] = "ok"
    else:
        report["status"] = "degraded"
    return JsonResponse(report, status=200 if database == "ok" else 503)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the uncaught exception is being handled: a database outage met in a middleware (the
    # session or user lookup) gets the same 503 page as one met in a view.
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response()
    return render(request, "500.html", status=500)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever a page links: send them to the icon the pages link."""
    # Resolved per request: the hashed static name only exists once collectstatic has run.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
