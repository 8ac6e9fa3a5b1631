"""Open Badges 2.0 hosted objects (Assertion, BadgeClass, issuer Profile), built from the database rows.

Every object carries the spec's required fields and lives at its own URL under ``settings.SITE_ROOT``.
The recipient is a salted SHA-256 hash of the email, fixed at issue: the JSON never carries the address.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from certificates.models import Certificate, CertificateStatus
from certificates.rules import rule_requirements
from courses.models import Course

CONTEXT = "https://w3id.org/openbadges/v2"


def absolute(path: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + path


def issuer_url() -> str:
    return absolute(reverse("badge_issuer"))


def badge_class_url(slug: str) -> str:
    return absolute(reverse("badge_class", args=[slug]))


def assertion_url(code: str) -> str:
    return absolute(reverse("badge_assertion", args=[code]))


def verify_url(code: str) -> str:
    return absolute(reverse("certificate_verify", args=[code]))


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def issuer_profile() -> dict:
    return {
        "@context": CONTEXT,
        "type": "Profile",
        "id": issuer_url(),
        "name": settings.SITE_NAME,
        "url": settings.SITE_ROOT,
        "email": getattr(settings, "BADGE_ISSUER_EMAIL", settings.DEFAULT_FROM_EMAIL),
    }


def criteria_narrative(course: Course) -> str:
    rule = course.certification or {}
    modules, drills = rule_requirements(rule)
    with translation.override(settings.LANGUAGE_CODE):
        parts = [_("Pass the quizzes of these modules: %(list)s.") % {"list": ", ".join(modules)}]
        if drills:
            parts.append(_("Pass these drills: %(list)s.") % {"list": ", ".join(drills)})
        parts.append(_("Every score at least %(mark)s%%.") % {"mark": rule.get("pass_mark") or 0})
        if rule.get("validity_months"):
            parts.append(_("Valid for %(n)s months.") % {"n": rule["validity_months"]})
    return " ".join(parts)


def badge_class(course: Course) -> dict:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(course.slug),
        "name": f"{course.title} · {course.title_en}" if course.title_en else course.title,
        "description": course.summary or course.title,
        "image": absolute(reverse("badge_image", args=[course.slug])),
        "criteria": {"narrative": criteria_narrative(course)},
        "issuer": issuer_url(),
        "tags": [course.level],
    }


def assertion(certificate: Certificate) -> dict:
    """The hosted Assertion; a revoked one is reduced to ``revoked: true`` (served with 410 Gone)."""
    data = {"@context": CONTEXT, "type": "Assertion", "id": assertion_url(certificate.code)}
    if certificate.status == CertificateStatus.REVOKED:
        return {**data, "revoked": True}
    data.update(
        {
            "recipient": {
                "type": "email",
                "hashed": True,
                "salt": certificate.recipient_salt,
                "identity": certificate.recipient_identity,
            },
            "badge": badge_class_url(certificate.course.slug),
            "verification": {"type": "hosted"},
            "issuedOn": iso(certificate.issued_at),
            "evidence": verify_url(certificate.code),
        }
    )
    if certificate.expires_at:
        data["expires"] = iso(certificate.expires_at)
    return data
