from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from certificates import badges, selectors
from certificates.models import CertificateStatus
from certificates.pdf import certificate_pdf, qr_svg

JSON_LD = "application/ld+json"


@login_required
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    certificates = selectors.certificate_list(user=request.user)
    return render(request, "certificates/list.html", {"certificates": certificates})


@login_required
@require_GET
def certificate_detail(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.certificate_get_for_owner(user=request.user, code=code)
    ctx = {
        "certificate": certificate,
        "verify_url": badges.verify_url(certificate.code),
        "assertion_url": badges.assertion_url(certificate.code),
        "qr_svg": qr_svg(badges.verify_url(certificate.code)),
        "evidence": selectors.certificate_evidence(certificate=certificate),
    }
    return render(request, "certificates/detail.html", ctx)


@login_required
@require_GET
def certificate_pdf_download(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.certificate_get_for_owner(user=request.user, code=code)
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    filename = f"certificate-{certificate.course.slug}-{certificate.issued_at:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: valid, expired or revoked, with only what the certificate itself shows (never the email)."""
    certificate = selectors.certificate_get_public(code=code)
    ctx = {"certificate": certificate, "state": certificate.current_state}
    response = render(request, "certificates/verify.html", ctx)
    response["X-Robots-Tag"] = "noindex"
    return response


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        data, status=status, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def badge_assertion(request: HttpRequest, code: str) -> JsonResponse:
    """Open Badges 2.0 hosted Assertion; a revoked one answers 410 Gone with ``revoked: true``."""
    certificate = selectors.certificate_get_public(code=code)
    status = 410 if certificate.status == CertificateStatus.REVOKED else 200
    return _json(badges.assertion(certificate), status=status)


@require_GET
@cache_control(max_age=300)
def badge_class(request: HttpRequest, slug: str) -> JsonResponse:
    return _json(badges.badge_class(selectors.badge_course_get(slug=slug)))


@require_GET
@cache_control(max_age=300)
def badge_image(request: HttpRequest, slug: str) -> HttpResponse:
    course = selectors.badge_course_get(slug=slug)
    return render(request, "certificates/badge.svg", {"course": course}, content_type="image/svg+xml")


@require_GET
@cache_control(max_age=300)
def badge_issuer(request: HttpRequest) -> JsonResponse:
    return _json(badges.issuer_profile())
