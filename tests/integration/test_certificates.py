"""Certification: the rule, issuance exactly once, regrade flags, revocation, pages, PDF and Open Badges."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Role
from assessments.models import Attempt, AttemptStatus
from certificates import services
from certificates.models import Certificate, CertificateEvent, CertificateStatus, EventKind
from certificates.rules import ModuleEvidence, certification_rule_check
from certificates.tasks import evaluate_for_user
from courses.models import Course, CourseModule, Level, ModuleProgress
from notifications.models import Kind, Notification
from tests.conftest import wait_for
from tests.integration.test_quiz_flow import correct_answers, start_attempt

SITE_ROOT = "https://academy.example.test"
RULE = {"modules": ["demo-basics"], "drills": [], "pass_mark": 70, "validity_months": 12}


# --- the rule, pure -----------------------------------------------------------------------------------------

scores = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))


@given(
    marks=st.integers(min_value=0, max_value=100),
    evidence=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.tuples(scores, st.booleans()), max_size=3),
    required=st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=3),
    drills=st.dictionaries(st.sampled_from(["a/x", "b/y"]), st.booleans(), max_size=2),
    required_drills=st.lists(st.sampled_from(["a/x", "b/y"]), unique=True, max_size=2),
)
def test_rule_is_met_exactly_when_every_requirement_is_passed_at_the_mark(
    marks, evidence, required, drills, required_drills
):
    rule = {"modules": required, "drills": required_drills, "pass_mark": marks}
    modules = {slug: ModuleEvidence(score=s, passed=p) for slug, (s, p) in evidence.items()}
    outcome = certification_rule_check(rule, modules, drills)
    expected = bool(required or required_drills) and all(
        slug in modules
        and modules[slug].passed
        and modules[slug].score is not None
        and modules[slug].score >= marks
        for slug in required
    )
    expected = expected and all(drills.get(ref) for ref in required_drills)
    assert outcome.met is expected
    assert set(outcome.snapshot["modules"]) == set(required)
    assert set(outcome.snapshot["drills"]) == set(required_drills)
    assert bool(outcome.missing) is not expected


def test_rule_mark_overrides_a_lower_module_mark():
    passed_at_60 = {"demo-basics": ModuleEvidence(score=Decimal("65.00"), passed=True)}
    outcome = certification_rule_check(RULE, passed_at_60, {})
    assert not outcome.met
    assert outcome.missing == ["module demo-basics"]
    assert certification_rule_check({**RULE, "pass_mark": 60}, passed_at_60, {}).met


# --- fixtures and helpers -----------------------------------------------------------------------------------


@pytest.fixture
def track(imported):
    """A certification track requiring the fixture module only (the real tracks also require drills)."""
    course = Course.objects.create(
        slug="demo-track",
        title="演示认证路径",
        title_en="Demo track",
        summary="测试用的认证路径。",
        level=Level.JUNIOR,
        certification=dict(RULE),
    )
    CourseModule.objects.create(course=course, module=imported, position=0)
    return course


@pytest.fixture
def drill_track(imported):
    course = Course.objects.create(
        slug="drill-track",
        title="需要演练的路径",
        level=Level.INTERMEDIATE,
        certification={**RULE, "drills": ["demo-basics/angry-member"]},
    )
    CourseModule.objects.create(course=course, module=imported, position=0)
    return course


@pytest.fixture
def named_recruit(recruit):
    recruit.display_name = "张小明"
    recruit.save(update_fields=["display_name"])
    return recruit


def progress_set(user, module, score: str, passed: bool = True) -> None:
    ModuleProgress.objects.update_or_create(
        user=user, module=module, defaults={"quiz_score": Decimal(score), "quiz_passed": passed}
    )


def certificate_emails(certificate: Certificate) -> list:
    """The emails telling the holder about this certificate (its page link carries the code)."""
    return [m for m in mail.outbox if certificate.code in m.body]


def evaluate(user, course) -> Certificate | None:
    return services.certification_evaluate(user_id=user.pk, course_id=course.pk)


@pytest.fixture
def certificate(named_recruit, imported, track) -> Certificate:
    progress_set(named_recruit, imported, "90.00")
    issued = evaluate(named_recruit, track)
    assert issued is not None
    return issued


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="admin@example.com", password="pw-admin-123", is_staff=True, is_superuser=True
    )


# --- issuance -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_certificate_while_the_rule_is_unmet(recruit, imported, track):
    assert evaluate(recruit, track) is None  # no progress at all
    progress_set(recruit, imported, "65.00", passed=True)  # passed the module's 60, not the track's 70
    assert evaluate(recruit, track) is None
    progress_set(recruit, imported, "95.00", passed=False)
    assert evaluate(recruit, track) is None
    assert not Certificate.objects.exists()
    assert not CertificateEvent.objects.exists()


@pytest.mark.django_db
def test_a_track_that_requires_a_drill_is_not_met_until_drills_are_graded(recruit, imported, drill_track):
    progress_set(recruit, imported, "100.00")
    assert evaluate(recruit, drill_track) is None
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_a_delivery_under_the_task_old_name_still_issues_the_certificate(named_recruit, imported, track):
    """``certificates.evaluate_for_user`` was the task's name until it was renamed: kept for one release."""
    from trainingsite.celery import app

    progress_set(named_recruit, imported, "90.00")
    issued = app.tasks["certificates.evaluate_for_user"].apply(args=[named_recruit.pk]).get()
    [certificate] = Certificate.objects.filter(user=named_recruit, course=track)
    assert issued == [certificate.pk]


@pytest.mark.django_db
def test_duplicate_evaluations_and_task_deliveries_issue_exactly_once(named_recruit, imported, track):
    progress_set(named_recruit, imported, "90.00")
    first = evaluate(named_recruit, track)
    again = [evaluate(named_recruit, track) for _ in range(3)]
    delivered = [evaluate_for_user.apply(args=[named_recruit.pk]).get() for _ in range(2)]
    assert first is not None
    assert {c.pk for c in again} == {first.pk}
    assert delivered == [[first.pk], [first.pk]]
    assert Certificate.objects.count() == 1
    assert list(CertificateEvent.objects.values_list("kind", flat=True)) == [EventKind.ISSUED]
    assert first.level == Level.JUNIOR
    assert len(first.code) == 22
    assert first.scores["modules"] == {"demo-basics": {"score": "90.00", "passed": True}}
    assert first.scores["rule"] == RULE
    months_later = timezone.localtime(first.expires_at).date() - timezone.localtime(first.issued_at).date()
    assert 365 <= months_later.days <= 366


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_issue_exactly_once(named_recruit, imported, track):
    progress_set(named_recruit, imported, "90.00")
    if connection.vendor != "postgresql":  # SQLite serialises writers: duplicates run one after the other
        pks = {evaluate(named_recruit, track).pk for _ in range(6)}
    else:
        barrier = threading.Barrier(6)
        results, errors = [], []

        def run() -> None:
            try:
                barrier.wait(timeout=20)
                results.append(evaluate(named_recruit, track).pk)
            except Exception as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        pks = set(results)
    assert len(pks) == 1
    assert Certificate.objects.count() == 1
    assert CertificateEvent.objects.filter(kind=EventKind.ISSUED).count() == 1
    assert len(certificate_emails(Certificate.objects.get())) == 1  # the holder is told once
    assert Notification.objects.filter(kind=Kind.CERTIFICATE_ISSUED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_loser_of_an_insert_race_returns_the_winners_certificate(
    require_postgres, named_recruit, imported, track, monkeypatch, caplog
):
    """A holds its new row uncommitted; B, which saw no certificate, blocks on the unique index, then
    fails it and returns A's certificate instead of a second one."""
    progress_set(named_recruit, imported, "90.00")
    inserted, release = threading.Event(), threading.Event()
    create = CertificateEvent.objects.create

    def slow_create(**kwargs):
        event = create(**kwargs)
        if threading.current_thread().name == "A":
            inserted.set()
            release.wait(30)
        return event

    monkeypatch.setattr(CertificateEvent.objects, "create", slow_create)
    results = {}

    def run() -> None:
        try:
            results[threading.current_thread().name] = evaluate(named_recruit, track).pk
        finally:
            connections.close_all()

    a = threading.Thread(target=run, name="A")
    a.start()
    assert inserted.wait(30)
    b = threading.Thread(target=run, name="B")
    b.start()
    with connection.cursor() as cursor:

        def b_waits_on_a_lock() -> bool:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            return cursor.fetchone()[0] > 0

        wait_for(b_waits_on_a_lock, timeout=30)
    release.set()
    a.join(30)
    b.join(30)
    assert results["A"] == results["B"]
    assert Certificate.objects.count() == 1
    assert "already issued" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_passing_the_quiz_through_the_site_issues_the_certificate(recruit_client, recruit, imported, track):
    attempt = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    certificate = Certificate.objects.get(user=recruit, course=track)
    assert certificate.scores["modules"]["demo-basics"]["score"] == "100.00"
    page = recruit_client.get(reverse("certificate_list")).content.decode()
    assert reverse("certificate_detail", args=[certificate.code]) in page
    # Told once through the notifications (in the site, and by email); the result emails are other mail.
    sent = certificate_emails(certificate)
    assert len(sent) == 1
    assert sent[0].to == [recruit.email]
    assert Notification.objects.filter(user=recruit, kind=Kind.CERTIFICATE_ISSUED).count() == 1
    # A second pass evaluates again and changes nothing.
    again = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[again.pk]), correct_answers(again))
    assert Certificate.objects.count() == 1
    assert len(certificate_emails(certificate)) == 1


@pytest.mark.django_db(transaction=True)
def test_renewal_after_expiry_needs_a_fresh_pass(recruit_client, recruit, imported, track):
    attempt = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    old = Certificate.objects.get(user=recruit)
    Certificate.objects.filter(pk=old.pk).update(
        issued_at=timezone.now() - timedelta(days=400), expires_at=timezone.now() - timedelta(days=35)
    )
    Attempt.objects.filter(pk=attempt.pk).update(graded_at=timezone.now() - timedelta(days=390))
    assert evaluate(recruit, track) is None  # the old pass is older than the expiry: no renewal
    fresh = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[fresh.pk]), correct_answers(fresh))
    renewed = Certificate.objects.get(user=recruit, replaces=old)
    assert renewed.code != old.code
    assert renewed.current_state == "valid"
    assert Certificate.objects.count() == 2
    assert evaluate(recruit, track).pk == renewed.pk
    # Each page links to the other: the old one says it was renewed, the new one what it renews.
    old_page = recruit_client.get(reverse("certificate_detail", args=[old.code])).content.decode()
    assert reverse("certificate_detail", args=[renewed.code]) in old_page
    assert 'data-testid="renewed-by"' in old_page
    new_page = recruit_client.get(reverse("certificate_detail", args=[renewed.code])).content.decode()
    assert reverse("certificate_detail", args=[old.code]) in new_page
    assert 'data-testid="renewed-by"' not in new_page


# --- regrades: kept and flagged -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_regrade_below_the_pass_mark_keeps_the_certificate_and_flags_it(
    recruit_client, recruit, imported, track, django_user_model
):
    from assessments.services import response_override

    trainer = django_user_model.objects.create_user(
        email="trainer@example.com", password="pw-trainer-123", role=Role.TRAINER
    )
    attempt = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    certificate = Certificate.objects.get(user=recruit)
    responses = list(attempt.responses.order_by("position"))
    for response in responses:
        response_override(response=response, score=Decimal(0), reason="答案抄袭", acting_user=trainer)
    assert not ModuleProgress.objects.get(user=recruit, module=imported).quiz_passed
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID  # kept
    assert certificate.flagged_at is not None  # flagged for an admin to review
    flagged = CertificateEvent.objects.filter(certificate=certificate, kind=EventKind.FLAGGED)
    assert flagged.count() == 1  # several overrides, one flag
    assert "demo-basics" in flagged.get().reason
    assert flagged.get().details["modules"]["demo-basics"]["passed"] is False
    assert Certificate.objects.count() == 1
    # The public page still says valid: the flag is an internal review marker.
    public = recruit_client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert 'class="verdict valid"' in public
    for response in responses:
        response_override(
            response=response, score=response.max_score, reason="复核后恢复", acting_user=trainer
        )
    certificate.refresh_from_db()
    assert certificate.flagged_at is None
    kinds = list(CertificateEvent.objects.filter(certificate=certificate).values_list("kind", flat=True))
    assert kinds == [EventKind.ISSUED, EventKind.FLAGGED, EventKind.CLEARED]


@pytest.mark.django_db
def test_flags_are_checked_against_the_rule_the_certificate_was_issued_under(certificate, track, imported):
    track.certification = {**RULE, "pass_mark": 95}  # a trainer raises the mark later
    track.save()
    assert evaluate(certificate.user, track).pk == certificate.pk
    certificate.refresh_from_db()
    assert certificate.flagged_at is None


# --- revocation ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_revocation_needs_a_reason_is_audited_and_final(certificate, staff, track):
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=certificate, reason="   ", acting_user=staff)
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID
    services.certificate_revoke(certificate=certificate, reason="证书信息有误", acting_user=staff)
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_by, certificate.revoked_reason) == (
        "revoked",
        staff,
        "证书信息有误",
    )
    event = CertificateEvent.objects.get(kind=EventKind.REVOKED)
    assert (event.actor, event.reason, event.certificate_id) == (staff, "证书信息有误", certificate.pk)
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=certificate, reason="again", acting_user=staff)
    # The rule is still met, but a revoked certificate is not silently replaced by the next grading.
    assert evaluate(certificate.user, track) is None
    assert Certificate.objects.count() == 1


@pytest.mark.django_db
def test_admin_revoke_action_asks_for_a_reason_first(client, certificate, staff):
    client.force_login(staff)
    url = reverse("admin:certificates_certificate_changelist")
    post = {"action": "revoke", "_selected_action": [certificate.pk]}
    page = client.post(url, post)
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID
    empty = client.post(url, {**post, "confirm": "1", "reason": " "})
    assert empty.status_code == 200  # the form again, with its error
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID
    done = client.post(url, {**post, "confirm": "1", "reason": "重复账号"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert CertificateEvent.objects.get(kind=EventKind.REVOKED).actor == staff
    assert (
        client.get(reverse("admin:certificates_certificate_change", args=[certificate.pk])).status_code == 200
    )


# --- pages --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["valid", "expired", "revoked"])
def test_public_verification_page_shows_the_state_and_no_email(client, certificate, staff, state):
    if state == "expired":
        Certificate.objects.filter(pk=certificate.pk).update(expires_at=timezone.now() - timedelta(days=1))
    if state == "revoked":
        services.certificate_revoke(certificate=certificate, reason="内部原因 secret", acting_user=staff)
    response = client.get(reverse("certificate_verify", args=[certificate.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'class="verdict {state}"' in page
    for shown in (
        "张小明",
        "演示认证路径",
        certificate.code,
        timezone.localtime(certificate.issued_at).strftime("%Y-%m-%d"),
    ):
        assert shown in page
    assert certificate.user.email not in page
    assert "@" not in page
    assert "secret" not in page  # the revocation reason stays internal


@pytest.mark.django_db
def test_a_holder_without_a_display_name_is_not_shown_by_email(client, recruit, imported, track):
    progress_set(recruit, imported, "90.00")
    issued = evaluate(recruit, track)
    page = client.get(reverse("certificate_verify", args=[issued.code])).content.decode()
    assert recruit.email not in page
    assert "recruit@" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code",
    [
        "abc",
        "x" * 22,
        "../../etc/passwd",
        "%00",
        "A" * 33,
        "Robert'); DROP TABLE--",
        "短码短码短码短码短码短码短码短码",
    ],
)
def test_a_guessed_or_malformed_code_is_a_plain_not_found(
    client, certificate, code, django_assert_max_num_queries
):
    for name in ("certificate_verify", "badge_assertion"):
        try:
            url = reverse(name, args=[code])
        except Exception:  # a code the URL pattern itself refuses never reaches the view
            continue
        with django_assert_max_num_queries(1):
            response = client.get(url)
        assert response.status_code == 404
        body = response.content.decode()
        assert certificate.code not in body
        assert "张小明" not in body


@pytest.mark.django_db
def test_another_recruit_cannot_see_my_certificate(client, certificate, other_recruit):
    client.force_login(other_recruit)
    for name in ("certificate_detail", "certificate_pdf"):
        response = client.get(reverse(name, args=[certificate.code]))
        assert response.status_code == 404
        assert "张小明" not in response.content.decode(errors="replace")
    assert certificate.code not in client.get(reverse("certificate_list")).content.decode()


@pytest.mark.django_db
def test_certificate_pages_need_a_login(client, certificate):
    for name, args in (("certificate_list", []), ("certificate_detail", [certificate.code])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert reverse("account_login") in response.url


@pytest.mark.django_db
def test_owner_page_shows_the_certificate_with_download_and_qr(client, certificate):
    client.force_login(certificate.user)
    page = client.get(reverse("certificate_detail", args=[certificate.code])).content.decode()
    assert reverse("certificate_pdf", args=[certificate.code]) in page
    assert "<svg" in page
    for shown in ("张小明", "演示认证路径", certificate.get_level_display()):
        assert str(shown) in page


# Queries per page, the session and user lookups (2) included for the logged-in pages. Pinned.
PINNED = {
    "certificate_list": 3,
    "certificate_detail": 4,  # + the modules and drills it was issued on, with titles
    "certificate_pdf": 3,
    "certificate_verify": 1,
    "badge_assertion": 1,
    "badge_class": 1,
    "badge_image": 1,
    "badge_issuer": 0,
}


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 3])
def test_certificate_page_query_counts_are_pinned(
    client, certificate, imported, django_user_model, django_assert_num_queries, extra
):
    for i in range(extra):  # more certificates and courses do not add queries
        course = Course.objects.create(
            slug=f"more-{i}", title=f"更多 {i}", level=Level.SENIOR, certification=RULE
        )
        Certificate.objects.create(user=certificate.user, course=course, level=course.level)
    client.force_login(certificate.user)
    urls = {
        "certificate_list": reverse("certificate_list"),
        "certificate_detail": reverse("certificate_detail", args=[certificate.code]),
        "certificate_pdf": reverse("certificate_pdf", args=[certificate.code]),
        "certificate_verify": reverse("certificate_verify", args=[certificate.code]),
        "badge_assertion": reverse("badge_assertion", args=[certificate.code]),
        "badge_class": reverse("badge_class", args=["demo-track"]),
        "badge_image": reverse("badge_image", args=["demo-track"]),
        "badge_issuer": reverse("badge_issuer"),
    }
    for name, url in urls.items():
        anonymous = name.startswith(("badge", "certificate_verify"))
        if anonymous:
            client.logout()
        with django_assert_num_queries(PINNED[name]):
            response = client.get(url)
        assert response.status_code == 200, name
        if anonymous:
            client.force_login(certificate.user)
    assert Certificate.objects.filter(user=certificate.user).count() == 1 + extra


# --- Open Badges 2.0 ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(SITE_ROOT=SITE_ROOT, DEFAULT_FROM_EMAIL="badges@academy.example.test")
def test_open_badges_assertion_class_and_issuer_have_the_required_fields(client, certificate, staff):
    response = client.get(reverse("badge_assertion", args=[certificate.code]))
    assert response.status_code == 200
    assertion = response.json()
    assert assertion["@context"] == "https://w3id.org/openbadges/v2"
    assert assertion["type"] == "Assertion"
    assert assertion["id"] == SITE_ROOT + reverse("badge_assertion", args=[certificate.code])
    recipient = assertion["recipient"]
    assert (recipient["type"], recipient["hashed"]) == ("email", True)
    digest = hashlib.sha256((certificate.user.email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${digest}"
    assert assertion["verification"] == {"type": "hosted"}
    assert assertion["issuedOn"].endswith("Z")
    assert assertion["expires"] > assertion["issuedOn"]
    assert certificate.user.email not in response.content.decode()
    assert assertion["badge"] == SITE_ROOT + reverse("badge_class", args=["demo-track"])

    badge = client.get(assertion["badge"].removeprefix(SITE_ROOT)).json()
    assert badge["@context"] == "https://w3id.org/openbadges/v2"
    assert (badge["type"], badge["id"]) == ("BadgeClass", assertion["badge"])
    assert badge["name"].startswith("演示认证路径")
    assert badge["description"]
    assert "demo-basics" in badge["criteria"]["narrative"]
    image = client.get(badge["image"].removeprefix(SITE_ROOT))
    assert (image.status_code, image["Content-Type"]) == (200, "image/svg+xml")
    assert badge["issuer"] == SITE_ROOT + reverse("badge_issuer")

    issuer = client.get(badge["issuer"].removeprefix(SITE_ROOT)).json()
    assert issuer["@context"] == "https://w3id.org/openbadges/v2"
    assert (issuer["type"], issuer["id"]) == ("Profile", badge["issuer"])
    assert (issuer["url"], issuer["email"]) == (SITE_ROOT, "badges@academy.example.test")
    assert issuer["name"]

    services.certificate_revoke(certificate=certificate, reason="撤销", acting_user=staff)
    gone = client.get(reverse("badge_assertion", args=[certificate.code]))
    assert gone.status_code == 410
    assert gone.json()["revoked"] is True
    assert "recipient" not in gone.json()


@pytest.mark.django_db
def test_a_course_without_a_rule_has_no_badge_class(client, track):
    Course.objects.create(slug="no-rule", title="无认证", level=Level.JUNIOR)
    assert client.get(reverse("badge_class", args=["no-rule"])).status_code == 404
    assert client.get(reverse("badge_class", args=["missing"])).status_code == 404


# --- PDF ----------------------------------------------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.mark.django_db
def test_pdf_embeds_a_cjk_font_and_carries_the_certificate(client, certificate, tmp_path):
    from certificates.pdf import certificate_font

    client.force_login(certificate.user)
    response = client.get(reverse("certificate_pdf", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    _font, embedded = certificate_font()
    if embedded:
        assert b"/FontFile2" in pdf  # the TrueType subset is inside the file
    else:
        assert b"STSong-Light" in pdf
    text = pdf_text(pdf, tmp_path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the text check needs it")
    for shown in ("认证证书", "张小明", "演示认证路径", "初级", certificate.code):
        assert shown in text
    assert certificate.user.email not in text


@pytest.mark.django_db
@override_settings(CERTIFICATE_FONT_PATHS=[])
def test_pdf_without_a_truetype_font_falls_back_to_the_cid_font(certificate, tmp_path):
    from certificates.pdf import certificate_pdf

    pdf = certificate_pdf(certificate)
    assert pdf.startswith(b"%PDF")
    assert b"STSong-Light" in pdf
    text = pdf_text(pdf, tmp_path)
    if text is not None:
        assert "张小明" in text


@pytest.mark.django_db
def test_pdf_first_page_renders_to_a_picture(certificate, tmp_path):
    from PIL import Image

    from certificates.pdf import certificate_pdf

    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed: the visual check needs it")
    (tmp_path / "c.pdf").write_bytes(certificate_pdf(certificate))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "page")],
        check=True,
    )
    image = Image.open(tmp_path / "page.png").convert("L")
    assert image.width > image.height  # landscape A4
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height  # text, frame and QR drawn, not a blank page


# --- a real worker ------------------------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.worker
def test_the_worker_issues_the_certificate_after_grading(
    celery_worker_process, client, recruit, imported, track
):
    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    wait_for(lambda: Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADED).exists(), timeout=60)
    certificate = wait_for(lambda: Certificate.objects.filter(user=recruit, course=track).first(), timeout=60)
    wait_for(
        lambda: Certificate.objects.filter(pk=certificate.pk, notified_at__isnull=False).exists(), timeout=60
    )
    log = celery_worker_process.log.read_text()
    assert "certificates.tasks.evaluate_for_user[" in log  # the true name; the old one is an alias now
    assert "certificates.tasks.notify_certificate_issued[" in log
    assert Certificate.objects.count() == 1


# The certificate id is 证书编号 / "Certificate ID" everywhere; no "Certificate of Certification".
@pytest.mark.parametrize(("language", "label"), [("zh-hans", "证书编号"), ("en", "Certificate ID")])
@pytest.mark.django_db
def test_the_certificate_pages_label_the_id_as_the_certificate_number(client, certificate, language, label):
    client.force_login(certificate.user)
    client.cookies["django_language"] = language
    for name in ("certificate_detail", "certificate_verify"):
        body = client.get(reverse(name, args=[certificate.code])).content.decode()
        assert label in body
        assert "验证码" not in body
        assert "Verification code" not in body


@pytest.mark.django_db
def test_the_pdf_says_certificate_number_and_names_the_track(client, certificate, tmp_path):
    client.force_login(certificate.user)
    text = pdf_text(client.get(reverse("certificate_pdf", args=[certificate.code])).content, tmp_path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the text check needs it")
    assert "Certificate of Certification" not in text
    assert "验证码" not in text
    assert "证书编号" in text
    course = certificate.course
    assert f"Certificate — {course.title_en or course.title}" in " ".join(text.split())


def test_the_admin_field_is_called_the_certificate_number():
    with translation.override("zh-hans"):
        assert str(Certificate._meta.get_field("code").verbose_name) == "证书编号"
