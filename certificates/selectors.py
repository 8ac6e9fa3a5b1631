"""Reads for certificates: the owner's own, one by code for the public, and the evidence the rule needs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from assessments.models import Attempt, AttemptPurpose, AttemptStatus
from certificates.models import Certificate, CertificateStatus
from certificates.rules import ModuleEvidence, rule_requirements
from courses.models import Course, Module, ModuleProgress, PassedVia
from evaluation.defence_models import Defence, DefenceStatus
from evaluation.models import RecruitChecklist

# A certificate can be renewed from this long before it expires: reminders go out then, and the rule's
# assessments can be taken again with a fresh allowance of attempts.
RENEWAL_WINDOW = timedelta(days=30)

# Codes are secrets.token_urlsafe(16): 22 characters. Anything else is not found without a query.
CODE_RE = re.compile(r"[A-Za-z0-9_-]{16,32}")


def checklist_stage_reached(*, user_id: int, slug: str) -> int:
    """The stage (0, 30, 60 or 90) of ``user_id``'s on-the-job checklist ``slug``, as persisted when their
    mentor signs items off; 0 when they have none."""
    row = RecruitChecklist.objects.filter(user_id=user_id, checklist__slug=slug).values_list("stage_reached")
    return next(iter(row), (0,))[0]


def defence_passed(*, user_id: int) -> bool:
    """Whether the final result of ``user_id``'s latest finished 转正答辩 passed (the stored result)."""
    passed = (
        Defence.objects.filter(recruit_id=user_id, status=DefenceStatus.FINAL)
        .order_by("-scheduled_at", "-pk")
        .values_list("passed", flat=True)
        .first()
    )
    return bool(passed)


def drill_passed(*, user_id: int, ref: str, since: datetime | None = None) -> bool:
    """Whether ``user_id`` passed the drill ``module-slug/drill-key``: the persisted aggregate, or for a
    renewal (``since`` = the previous certificate's expiry) a passing attempt graded after it."""
    slug, _, key = ref.partition("/")
    if since is None:
        row = (
            ModuleProgress.objects.filter(user_id=user_id, module__slug=slug)
            .values_list("drill_results", flat=True)
            .first()
        )
        return bool(row and (row.get(key) or {}).get("passed"))
    return Attempt.objects.filter(
        user_id=user_id,
        module__slug=slug,
        drill__key=key,
        status=AttemptStatus.GRADED,
        passed=True,
        graded_at__gt=since,
    ).exists()


def module_evidence(*, user_id: int, slugs: list[str], since: datetime | None) -> dict[str, ModuleEvidence]:
    """The counted quiz result per module: the persisted aggregate, or for a renewal only attempts since.

    ``since`` (the previous certificate's expiry) makes a renewal need fresh passes: the best passing
    attempt graded after it counts, old scores do not.
    """
    if since is None:
        rows = ModuleProgress.objects.filter(user_id=user_id, module__slug__in=slugs).values_list(
            "module__slug", "quiz_score", "quiz_passed", "passed_via"
        )
        return {
            slug: ModuleEvidence(score=score, passed=passed, tested_out=via == PassedVia.TEST_OUT)
            for slug, score, passed, via in rows
        }
    rows = (
        Attempt.objects.filter(
            user_id=user_id,
            module__slug__in=slugs,
            status=AttemptStatus.GRADED,
            passed=True,
            graded_at__gt=since,
            purpose=AttemptPurpose.FINAL,  # a renewal is earned by the quiz, never by a pre-test
        )
        .values("module__slug")
        .annotate(best=Max("percent"))
        .values_list("module__slug", "best")
    )
    return {slug: ModuleEvidence(score=best, passed=True) for slug, best in rows}


def renewal_opens(certificate: Certificate | None) -> datetime | None:
    """When renewing ``certificate`` becomes possible (None: it never expires, or there is none)."""
    if certificate is None or certificate.expires_at is None:
        return None
    return certificate.expires_at - RENEWAL_WINDOW


def renewal_cycle_start(*, user_id: int, module_slug: str, now: datetime | None = None) -> datetime | None:
    """When the user's current recertification cycle that needs this module began, or None.

    A cycle is open while one of the user's certificates that requires the module (by the rule it was
    issued under) is in or past its renewal window, is not revoked and has not been renewed yet. Attempts
    started before the cycle do not count against the attempts allowed.
    """
    candidates = _in_renewal(user_id=user_id, now=now).only("expires_at", "scores")
    starts = []
    for certificate in candidates:
        modules, drills = rule_requirements(certificate.scores.get("rule") or {})
        if module_slug in modules or any(ref.partition("/")[0] == module_slug for ref in drills):
            starts.append(renewal_opens(certificate))
    return max(starts, default=None)


def certificate_list(*, user: User) -> list[Certificate]:
    """The user's own certificates, newest first: one query."""
    return list(Certificate.objects.filter(user=user).select_related("course"))


def _code_checked(code: str) -> str:
    if not CODE_RE.fullmatch(code or ""):
        raise Http404("no such certificate")
    return code


def certificate_get_for_owner(*, user: User, code: str) -> Certificate:
    """One of the user's own certificates; anybody else's is not found (404), never forbidden."""
    try:
        return Certificate.objects.select_related("course", "user", "replaces", "replaced_by").get(
            code=_code_checked(code), user=user
        )
    except Certificate.DoesNotExist:
        raise Http404("no such certificate") from None


def certificate_get_public(*, code: str) -> Certificate:
    """A certificate by its verification code, for the public verification page and badge assertion."""
    try:
        return Certificate.objects.select_related("course", "user").get(code=_code_checked(code))
    except Certificate.DoesNotExist:
        raise Http404("no such certificate") from None


def badge_course_get(*, slug: str) -> Course:
    """A course that is a certification track (its rule names something), for its Open Badges class."""
    course = Course.objects.filter(slug=slug).first()
    if course is None or not any(rule_requirements(course.certification or {})):
        raise Http404("no such badge")
    return course


def certificate_evidence(*, certificate: Certificate) -> dict[str, list[dict]]:
    """The modules and drills the certificate was issued on, with titles, from its snapshot: two queries."""
    from assessments.models import Drill
    from courses.models import Module

    scores = certificate.scores or {}
    slugs = list(scores.get("modules") or {})
    refs = list(scores.get("drills") or {})
    modules = {m.slug: m for m in Module.objects.filter(slug__in=slugs + [r.partition("/")[0] for r in refs])}
    titles = {
        (d.version.module.slug, d.key): d.title
        for d in Drill.objects.filter(
            version__in=[m.current_version_id for m in modules.values()],
            key__in=[r.partition("/")[2] for r in refs],
        ).select_related("version__module")
    }
    return {
        "modules": [
            {"title": modules[s].display_title if s in modules else s, **scores["modules"][s]} for s in slugs
        ],
        "drills": [
            {"title": titles.get(tuple(r.partition("/")[::2]), r), **scores["drills"][r]} for r in refs
        ],
    }


def skill_areas(*, slugs: list[str]) -> list[str]:
    """The skill areas of the modules ``slugs`` names."""
    return sorted(set(Module.objects.filter(slug__in=slugs).values_list("skill_area", flat=True)))


def reviews_since(*, user_id: int, areas: list[str], since: datetime) -> dict[str, tuple[int, int]]:
    """Per skill area: the user's spaced-review answers graded since ``since``, and how many were right (one
    query; the retention app's model by label, so certificates imports nothing of it)."""
    from django.apps import apps
    from django.db.models import Count, Q

    answers = apps.get_model("retention", "ReviewAnswer").objects.filter(
        user_id=user_id, status="graded", graded_at__gte=since, card__skill_area__in=areas
    )
    rows = answers.values("card__skill_area").annotate(
        n=Count("id"), right=Count("id", filter=Q(correct=True))
    )
    return {row["card__skill_area"]: (row["n"], row["right"]) for row in rows}


def renewal_open(*, user_id: int, now: datetime | None = None) -> bool:
    """Whether one of the user's certificates is in (or past) its renewal window and not yet renewed."""
    return _in_renewal(user_id=user_id, now=now).exists()


def _in_renewal(*, user_id: int, now: datetime | None):
    """The user's valid, not yet renewed certificates whose renewal window has opened."""
    return Certificate.objects.filter(
        user_id=user_id,
        status=CertificateStatus.VALID,
        replaced_by__isnull=True,
        expires_at__isnull=False,
        expires_at__lte=(now or timezone.now()) + RENEWAL_WINDOW,
    )
