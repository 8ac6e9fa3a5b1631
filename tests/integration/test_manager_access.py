"""Every manager URL against every role, and against another manager's cohort: 404, never 403, and nothing
changes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments.models import Attempt
from courses import manager_services
from courses.models import Cohort, CohortMembership, ExportJob, ExportStatus, Invitation
from tests.integration.test_manager_helpers import logged_in, make_cohort, make_course, make_user

pytestmark = pytest.mark.django_db


@dataclass
class Side:
    """One manager's cohort and the ids in it."""

    manager: object
    cohort: object
    recruits: list[int]
    attempt: int
    invitation: int
    job: object


def _side(course, email: str, size: int, seed: int, settings) -> Side:
    manager = make_user(email, Role.MANAGER)
    cohort = make_cohort(course, [manager], size, seed=seed, email_prefix=email.split("@")[0])
    recruits = list(
        CohortMembership.objects.filter(cohort=cohort).order_by("user_id").values_list("user_id", flat=True)
    )
    attempt = Attempt.objects.filter(user_id__in=recruits).order_by("pk").first()
    assert attempt is not None
    (invitation,) = manager_services.invitation_create(
        cohort=cohort, emails=[f"new-{seed}@example.com"], acting_user=manager
    ).invitations
    folder = manager_services.export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    job = ExportJob.objects.create(
        requested_by=manager, cohort=cohort, format="csv", status=ExportStatus.DONE, total=size, done=size
    )
    (folder / f"{job.public_id}.csv").write_bytes(b"\xef\xbb\xbfheader\n")
    job.file_name = f"exports/{job.public_id}.csv"
    job.save(update_fields=["file_name"])
    return Side(manager, cohort, recruits, attempt.pk, invitation.pk, job)


@pytest.fixture
def world(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    course = make_course(tmp_path / "content", modules=3)
    a = _side(course, "manager-a@example.com", 3, 1, settings)
    b = _side(course, "manager-b@example.com", 2, 2, settings)
    return a, b


def cohort_urls(cohort_id: int, recruits: list[int], attempt: int, invitation: int) -> list[tuple[str, str]]:
    """(method, url) of every URL that belongs to one cohort."""
    compare = f"{reverse('manager_compare', args=[cohort_id])}?recruit={recruits[0]}&recruit={recruits[1]}"
    return [
        ("get", reverse("manager_cohort", args=[cohort_id])),
        ("get", reverse("manager_cohort", args=[cohort_id]) + "?sort=-percent&status=in_progress&page=2"),
        ("get", reverse("manager_people", args=[cohort_id])),
        ("get", reverse("manager_recruit", args=[cohort_id, recruits[0]])),
        ("get", reverse("manager_attempt", args=[cohort_id, attempt])),
        ("get", compare),
        ("post", reverse("manager_invite", args=[cohort_id])),
        ("post", reverse("manager_invitation_revoke", args=[cohort_id, invitation])),
        ("post", reverse("manager_add", args=[cohort_id])),
        ("post", reverse("manager_export", args=[cohort_id])),
    ]


def job_urls(job) -> list[tuple[str, str]]:
    return [
        ("get", reverse("manager_export_job", args=[job.public_id])),
        ("get", reverse("manager_export_progress", args=[job.public_id])),
        ("get", reverse("manager_export_download", args=[job.public_id])),
    ]


GENERAL = [
    ("get", "manager_home"),
    ("get", "manager_cohorts"),
    ("get", "manager_cohort_create"),
    ("post", "manager_cohort_create"),
]

POST_DATA = {
    "emails": "someone@example.com",
    "email": "manager-a@example.com",
    "format": "csv",
    "name": "x",
    "course": "1",
    "start_date": "2026-01-01",
}


def every_url(side: Side) -> list[tuple[str, str]]:
    general = [(method, reverse(name)) for method, name in GENERAL]
    return (
        general
        + cohort_urls(side.cohort.pk, side.recruits, side.attempt, side.invitation)
        + job_urls(side.job)
    )


def _state() -> tuple:
    return (
        Invitation.objects.filter(revoked_at__isnull=True).count(),
        Invitation.objects.count(),
        ExportJob.objects.count(),
        Cohort.managers.through.objects.count(),
        CohortMembership.objects.count(),
        Cohort.objects.count(),
    )


@pytest.mark.parametrize("role", [Role.RECRUIT, Role.TRAINER])
def test_recruits_and_trainers_get_404_on_every_manager_url(world, role):
    a, _ = world
    user = make_user(f"{role}@example.com", role)
    client = logged_in(user)
    before = _state()
    for method, url in every_url(a):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 404, (role, method, url, response.status_code)
    assert _state() == before


def test_a_member_of_the_cohort_gets_404_too(world):
    a, _ = world
    from accounts.models import User

    member = User.objects.get(pk=a.recruits[0])
    client = logged_in(member)
    for method, url in every_url(a):
        assert getattr(client, method)(url, POST_DATA).status_code == 404, url


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    a, _ = world
    for method, url in every_url(a):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


def test_another_managers_cohort_recruits_attempts_invitations_and_exports_are_404(world):
    a, b = world
    client = logged_in(b.manager)
    before = _state()
    # Cohort A's own URLs.
    for method, url in cohort_urls(a.cohort.pk, a.recruits, a.attempt, a.invitation) + job_urls(a.job):
        assert getattr(client, method)(url, POST_DATA).status_code == 404, (method, url)
    # A's recruit, attempt and invitation ids through B's own cohort.
    mixed = [
        reverse("manager_recruit", args=[b.cohort.pk, a.recruits[0]]),
        reverse("manager_attempt", args=[b.cohort.pk, a.attempt]),
        f"{reverse('manager_compare', args=[b.cohort.pk])}?recruit={b.recruits[0]}&recruit={a.recruits[0]}",
    ]
    for url in mixed:
        assert client.get(url).status_code == 404, url
    revoke = reverse("manager_invitation_revoke", args=[b.cohort.pk, a.invitation])
    assert client.post(revoke).status_code == 404
    assert _state() == before
    assert Invitation.objects.get(pk=a.invitation).revoked_at is None
    # B's list shows only B's cohort.
    page = client.get(reverse("manager_cohorts")).content.decode()
    assert b.cohort.name in page or str(b.cohort.pk) in page
    assert reverse("manager_cohort", args=[a.cohort.pk]) not in page


def test_a_staff_admin_sees_only_the_cohorts_they_manage(world):
    a, _ = world
    staff = make_user("admin@example.com", Role.RECRUIT, is_staff=True)
    client = logged_in(staff)
    assert client.get(reverse("manager_cohorts")).status_code == 200
    for method, url in cohort_urls(a.cohort.pk, a.recruits, a.attempt, a.invitation) + job_urls(a.job):
        assert getattr(client, method)(url, POST_DATA).status_code == 404, (method, url)


def test_the_cohorts_manager_reaches_every_page(world):
    a, _ = world
    client = logged_in(a.manager)
    for method, url in every_url(a):
        if method == "get":
            response = client.get(url)
            assert response.status_code in (200, 302), (url, response.status_code)
    assert client.get(reverse("manager_home")).url == reverse("manager_cohorts")


def test_the_header_links_managers_to_their_cohorts(world):
    a, _ = world
    page = logged_in(a.manager).get(reverse("catalogue")).content.decode()
    assert f'href="{reverse("manager_cohorts")}"' in page
    recruit_page = logged_in(make_user("r@example.com")).get(reverse("catalogue")).content.decode()
    assert f'href="{reverse("manager_cohorts")}"' not in recruit_page
