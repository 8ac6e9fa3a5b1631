"""Notifications: created once, emailed once in the reader's language, reminders from beat, the pages."""

from __future__ import annotations

import email
import re
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from certificates.models import Certificate, CertificateStatus
from courses.models import Course, CourseModule, Level, Module, ModuleProgress, SkillArea
from courses.services import enrolment_refresh, enrolment_start
from notifications import services
from notifications.models import Kind, Notification, NotificationPreference
from notifications.tasks import (
    notify_due_dates,
    notify_expiring_certificates,
    send_notification_email,
    send_pending_notification_emails,
)
from notifications.texts import text_render
from tests.conftest import wait_for

GRADED = {
    "title": "入门小测",
    "module": "社群入门",
    "percent": "85.00",
    "passed": True,
    "awaiting_review": False,
}


CHECKED = re.compile(r'<input type="checkbox"[^>]* checked')


def create(user, kind=Kind.GRADED, key="attempt:1", params=None, url="/progress/"):
    return services.notification_create(
        user_id=user.pk, kind=kind, key=key, params=GRADED if params is None else params, url=url
    )


def unread(user) -> int:
    return User.objects.get(pk=user.pk).unread_notifications


@pytest.fixture
def trainer(db, django_user_model):
    return django_user_model.objects.create_user(
        email="trainer@example.com", password="pw-trainer-123", role=Role.TRAINER
    )


# --- texts (pure) -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "shown"),
    [
        (Kind.GRADED, GRADED, ["入门小测", "社群入门", "85.00%", "passed"]),
        (Kind.GRADED, {**GRADED, "passed": False}, ["85.00%", "not passed yet"]),
        (Kind.GRADED, {**GRADED, "percent": None, "awaiting_review": True}, ["trainer's review"]),
        (
            Kind.REVIEW_NEEDED,
            {"title": "危机演练", "module": "危机处理", "recruit": "张小明"},
            ["张小明", "危机演练"],
        ),
        (Kind.CERTIFICATE_ISSUED, {"title": "初级认证", "level": "junior"}, ["初级认证", "Junior"]),
        (Kind.DUE_SOON, {"module": "社群入门", "course": "新人路径", "due": "2026-12-05"}, ["Dec. 5, 2026"]),
        (Kind.OVERDUE, {"module": "社群入门", "course": "新人路径", "due": "2026-12-05"}, ["新人路径"]),
        (Kind.CERTIFICATE_EXPIRING, {"title": "初级认证", "expires": "2027-01-10"}, ["Jan. 10, 2027"]),
    ],
)
def test_every_kind_renders_a_title_and_body_from_its_params(kind, params, shown):
    with translation.override("en"):
        title, body = text_render(kind, params)
    assert title
    assert body
    for text in shown:
        assert text in title + body


def test_missing_params_render_empty_and_english_titles_are_picked_in_english():
    for kind in Kind:
        text_render(kind, {})  # never raises
    params = {"module": "社群入门", "module_en": "Community basics", "course": "路径", "due": "not a date"}
    with translation.override("en"):
        assert "Community basics" in text_render(Kind.OVERDUE, params)[0]
        assert "not a date" in text_render(Kind.OVERDUE, params)[1]
    with translation.override("zh-hans"):
        assert "社群入门" in text_render(Kind.OVERDUE, params)[0]
        assert "2026年12月5日" in text_render(Kind.DUE_SOON, {"due": "2026-12-05"})[1]


# --- create once --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_created_once_counted_unread_and_cheap(
    recruit, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued, django_assert_num_queries(3):
        first = create(recruit)
    assert first is not None
    assert (first.kind, first.key, first.params, first.url) == (
        Kind.GRADED,
        "attempt:1",
        GRADED,
        "/progress/",
    )
    assert len(queued) == 1  # the email, sent after commit
    for _ in range(3):
        with django_capture_on_commit_callbacks() as queued, django_assert_num_queries(1):
            assert create(recruit) is None
        assert queued == []
    assert Notification.objects.filter(user=recruit).count() == 1
    assert unread(recruit) == 1
    create(recruit, key="attempt:2")
    create(recruit, kind=Kind.REVIEW_NEEDED, key="attempt:1")  # same key, other kind: a different thing
    assert unread(recruit) == 3


@pytest.mark.django_db
def test_many_at_once_in_chunks_each_user_counted(recruit, other_recruit, django_assert_num_queries):
    specs = [
        services.NotificationSpec(
            user_id=user.pk, kind=Kind.OVERDUE, key=f"k{i}", params={"due": "2026-12-01"}
        )
        for i in range(750)
        for user in (recruit, other_recruit)
    ]
    with django_assert_num_queries(2 + 2):  # two INSERT chunks, counters, preferences
        created = services.notifications_create(items=specs + specs[:10])  # duplicates in the batch too
    assert len(created) == 1500
    assert (unread(recruit), unread(other_recruit)) == (750, 750)
    with django_assert_num_queries(2):
        assert services.notifications_create(items=specs) == []
    created[0].read_at = timezone.now()
    created[0].save(update_fields=["read_at"])  # a usable model instance


@pytest.mark.django_db
def test_bad_kind_or_key_is_refused(recruit):
    with pytest.raises(ValueError):
        create(recruit, kind="nonsense")
    with pytest.raises(ValueError):
        create(recruit, key="")
    with pytest.raises(ValueError):
        create(recruit, key="x" * 121)
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_caller_that_rolls_back_leaves_nothing(recruit):
    def grading_that_fails() -> None:
        with transaction.atomic():
            create(recruit)
            raise RuntimeError("the grading failed")

    with pytest.raises(RuntimeError):
        grading_that_fails()
    assert not Notification.objects.exists()
    assert unread(recruit) == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_never_fails_the_caller(recruit, monkeypatch, caplog):
    from kombu.exceptions import OperationalError as BrokerUnavailable

    def refuse(*args, **kwargs):
        raise BrokerUnavailable("Redis is down")

    monkeypatch.setattr(send_notification_email, "delay", refuse)
    with transaction.atomic():
        assert create(recruit) is not None
    assert Notification.objects.filter(user=recruit, emailed_at__isnull=True).count() == 1
    assert "Redis is down" in caplog.text
    assert "send_notification_email(" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_emails_lost_with_the_broker_are_sent_by_the_hourly_sweep(recruit, monkeypatch):
    from kombu.exceptions import OperationalError as BrokerUnavailable

    def refuse(*args, **kwargs):
        raise BrokerUnavailable("Redis is down")

    with monkeypatch.context() as m:
        m.setattr(send_notification_email, "delay", refuse)
        lost = create(recruit)
        muted = create(recruit, kind=Kind.OVERDUE, key="enrolment:1:module:1:2026-12-01")
        fresh = create(recruit, key="attempt:2")
    services.preference_set(user=recruit, kind=Kind.OVERDUE, email=False)
    Notification.objects.filter(pk__in=[lost.pk, muted.pk]).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert services.notification_emails_pending() == [lost.pk]  # not the muted one, not the one just queued
    assert send_pending_notification_emails.apply().get() == 1
    assert len(mail.outbox) == 1
    assert services.notification_emails_pending() == []
    assert Notification.objects.get(pk=fresh.pk).emailed_at is None


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_callers_create_one_row(require_postgres, recruit):
    """A inserts and holds its transaction open; B blocks on the unique index, then skips the row."""
    inserted, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def run() -> None:
        name = threading.current_thread().name
        try:
            with transaction.atomic():
                results[name] = create(recruit)
                if name == "A":
                    inserted.set()
                    release.wait(30)
        except Exception as exc:
            results[name] = exc
        finally:
            connections.close_all()

    a = threading.Thread(target=run, name="A")
    a.start()
    assert inserted.wait(30)
    b = threading.Thread(target=run, name="B")
    b.start()
    with connection.cursor() as cursor:

        def b_waits_on_a_lock() -> bool:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            return cursor.fetchone()[0] > 0

        wait_for(b_waits_on_a_lock, timeout=30)
    release.set()
    a.join(30)
    b.join(30)
    assert isinstance(results["A"], Notification)
    assert results["B"] is None
    assert Notification.objects.count() == 1
    assert unread(recruit) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_many_simultaneous_callers_create_one_row_and_one_email(recruit):
    results, errors = [], []
    if connection.vendor != "postgresql":  # SQLite serialises writers: duplicates run one after the other
        results = [create(recruit) for _ in range(6)]
    else:
        barrier = threading.Barrier(6)

        def run() -> None:
            try:
                barrier.wait(timeout=20)
                results.append(create(recruit))
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
    assert len([r for r in results if r is not None]) == 1
    assert Notification.objects.count() == 1
    assert unread(recruit) == 1
    assert len(mail.outbox) == 1


# --- email --------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_once_after_commit(recruit):
    with transaction.atomic():
        notification = create(recruit)
        assert mail.outbox == []  # nothing leaves before the caller commits
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [recruit.email]
    assert "入门小测" in message.subject
    assert "85.00%" in message.body
    assert "/progress/" in message.body
    assert reverse("notification_preferences") in message.body
    for _ in range(2):  # duplicate deliveries
        assert send_notification_email.apply(args=[notification.pk]).get() is False
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_email_switched_off_for_one_kind_only(recruit):
    services.preference_set(user=recruit, kind=Kind.GRADED, email=False)
    graded = create(recruit)
    create(recruit, kind=Kind.DUE_SOON, key="enrolment:1:module:1:2026-12-05", params={"due": "2026-12-05"})
    assert len(mail.outbox) == 1
    assert "2026" in mail.outbox[0].body
    assert Notification.objects.get(pk=graded.pk).emailed_at is None  # still shown in the site
    assert unread(recruit) == 2
    services.preference_set(user=recruit, kind=Kind.GRADED, email=True)
    create(recruit, key="attempt:2")
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_switching_off_after_queueing_sends_nothing(recruit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        notification = create(recruit)
    services.preference_set(user=recruit, kind=Kind.GRADED, email=False)
    assert services.notification_email_send(notification_id=notification.pk) is False
    assert mail.outbox == []
    assert services.notification_email_send(notification_id=10**9) is False  # gone: nothing to do


@pytest.mark.django_db
def test_an_smtp_error_leaves_it_unsent_for_the_retry(
    recruit, monkeypatch, django_capture_on_commit_callbacks
):
    import smtplib

    with django_capture_on_commit_callbacks():
        notification = create(recruit)

    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

    monkeypatch.setattr(services, "send_mail", down)
    with pytest.raises(OSError):
        services.notification_email_send(notification_id=notification.pk)
    assert Notification.objects.get(pk=notification.pk).emailed_at is None
    assert OSError in send_notification_email.autoretry_for
    monkeypatch.undo()
    assert services.notification_email_send(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "date_shown"), [("en", "Dec. 5, 2026"), ("zh-hans", "2026年12月5日")])
def test_the_email_is_written_in_the_users_language(
    recruit, language, date_shown, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=recruit.pk).update(language=language)
    params = {
        "module": "社群入门",
        "module_en": "Community basics",
        "course": "新人路径",
        "due": "2026-12-05",
    }
    with django_capture_on_commit_callbacks():
        notification = create(recruit, kind=Kind.DUE_SOON, key="k", params=params)
    with translation.override("en" if language != "en" else "zh-hans"):  # whatever the sender's language
        assert services.notification_email_send(notification_id=notification.pk)
    with translation.override(language):
        title, body = text_render(Kind.DUE_SOON, params)
    message = mail.outbox[0]
    assert message.subject == title
    assert message.body.startswith(body)
    assert date_shown in message.body
    assert ("Community basics" in message.subject) is (language == "en")


# --- mark read and the counter ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mark_read_one_or_all_recounts_the_counter(recruit, other_recruit, django_assert_num_queries):
    mine = [create(recruit, key=f"attempt:{i}") for i in range(3)]
    theirs = create(other_recruit, key="attempt:0")
    assert services.notifications_mark_read(user=recruit, ids=[mine[0].pk, theirs.pk]) == 1
    assert unread(recruit) == 2
    assert Notification.objects.get(pk=theirs.pk).read_at is None  # never another user's
    User.objects.filter(pk=recruit.pk).update(unread_notifications=99)  # drift is repaired
    with django_assert_num_queries(4):
        assert services.notifications_mark_read(user=recruit) == 2
    assert unread(recruit) == 0
    assert recruit.unread_notifications == 0
    assert unread(other_recruit) == 1
    assert services.notifications_mark_read(user=recruit) == 0


# --- beat: due dates ----------------------------------------------------------------------------------------


TODAY = date(2026, 12, 2)


@pytest.fixture
def course(db):
    course = Course.objects.create(
        slug="newcomer", title="新人路径", title_en="Newcomer path", level=Level.JUNIOR
    )
    # days after the start: due ten days ago+5 = overdue; +12 = in two days; +30 = later; 0 = no due date
    for position, (slug, days, required) in enumerate(
        [
            ("overdue", 5, True),
            ("soon", 12, True),
            ("later", 30, True),
            ("nodate", 0, True),
            ("opt", 5, False),
        ]
    ):
        module = Module.objects.create(
            slug=slug,
            title=f"模块 {slug}",
            title_en=f"Module {slug}",
            skill_area=SkillArea.GROWTH,
            level=Level.JUNIOR,
        )
        CourseModule.objects.create(
            course=course, module=module, position=position, due_days=days, required=required
        )
    return course


def enrol(user, course, start: date):
    return enrolment_start(user=user, course=course, start_date=start)


@pytest.mark.django_db
def test_due_soon_and_overdue_each_once_across_two_runs(recruit, other_recruit, course):
    enrolment = enrol(recruit, course, TODAY - timedelta(days=10))
    done = enrol(other_recruit, course, TODAY - timedelta(days=10))
    for module in Module.objects.filter(slug__in=["overdue", "soon"]):
        ModuleProgress.objects.create(user=other_recruit, module=module, passed=True)
    enrolment_refresh(enrolment=done)
    assert services.due_date_reminders_send(today=TODAY) == 2
    assert services.due_date_reminders_send(today=TODAY) == 0
    overdue, soon = (Module.objects.get(slug=s) for s in ("overdue", "soon"))
    rows = {(n.kind, n.key) for n in Notification.objects.filter(user=recruit)}
    assert rows == {
        (Kind.OVERDUE, f"enrolment:{enrolment.pk}:module:{overdue.pk}:{TODAY - timedelta(days=5)}"),
        (Kind.DUE_SOON, f"enrolment:{enrolment.pk}:module:{soon.pk}:{TODAY + timedelta(days=2)}"),
    }
    assert not Notification.objects.filter(user=other_recruit).exists()  # passed: nothing to remind
    soon_row = Notification.objects.get(kind=Kind.DUE_SOON)
    assert soon_row.params == {
        "module": "模块 soon",
        "module_en": "Module soon",
        "course": "新人路径",
        "course_en": "Newcomer path",
        "due": "2026-12-04",
    }
    assert soon_row.url == reverse("module_detail", args=["soon"])
    # Three days on, the module that was due soon is overdue: told once more, as overdue.
    assert services.due_date_reminders_send(today=TODAY + timedelta(days=3)) == 1
    assert Notification.objects.filter(user=recruit, kind=Kind.OVERDUE).count() == 2
    assert unread(recruit) == 3


@pytest.mark.django_db
def test_the_due_date_scan_runs_a_fixed_number_of_queries(
    course, django_user_model, django_assert_num_queries
):
    def users(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            user = django_user_model.objects.create_user(email=f"r{i}@example.com", password="pw-1234567")
            enrol(user, course, TODAY - timedelta(days=10))

    users(2, 0)
    # One batch: enrolments, course modules, progress, insert, unread counters, preferences; then the end.
    with django_assert_num_queries(7):
        assert services.due_date_reminders_send(today=TODAY) == 4
    users(20, 2)
    with django_assert_num_queries(7):
        assert services.due_date_reminders_send(today=TODAY) == 40
    with django_assert_num_queries(5):  # nothing new: no counters or preferences to touch
        assert services.due_date_reminders_send(today=TODAY) == 0
    with django_assert_num_queries(3 * 4 + 1):  # 22 enrolments in batches of 10
        assert services.due_date_reminders_send(today=TODAY, batch_size=10) == 0


@pytest.mark.django_db(transaction=True)
def test_the_beat_tasks_send_each_reminder_once(recruit, course):
    enrol(recruit, course, timezone.localdate() - timedelta(days=10))
    assert notify_due_dates.apply().get() == 2
    assert notify_due_dates.apply().get() == 0
    assert len(mail.outbox) == 2
    assert notify_expiring_certificates.apply().get() == 0


# --- beat: expiring certificates ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_expiring_certificates_are_told_once(recruit, other_recruit, course, django_assert_num_queries):
    now = timezone.now()

    def cert(user, days: int | None, **kwargs) -> Certificate:
        expires = now + timedelta(days=days) if days is not None else None
        return Certificate.objects.create(
            user=user, course=course, level=course.level, expires_at=expires, **kwargs
        )

    expiring = cert(recruit, 20)
    other = Course.objects.create(slug="c2", title="中级路径", level=Level.INTERMEDIATE)
    Certificate.objects.create(
        user=recruit, course=other, level=other.level, expires_at=now + timedelta(days=60)
    )
    cert(other_recruit, 10, status=CertificateStatus.REVOKED)
    third = Course.objects.create(slug="c3", title="高级路径", level=Level.SENIOR)
    replaced = Certificate.objects.create(
        user=other_recruit, course=third, level=third.level, expires_at=now + timedelta(days=5)
    )
    Certificate.objects.create(
        user=other_recruit,
        course=third,
        level=third.level,
        replaces=replaced,
        expires_at=now + timedelta(days=370),
    )
    fourth = Course.objects.create(slug="c4", title="经理路径", level=Level.MANAGER)
    Certificate.objects.create(
        user=other_recruit, course=fourth, level=fourth.level, expires_at=now - timedelta(days=1)
    )
    with django_assert_num_queries(5):  # certificates, insert, counters, preferences; then the end
        assert services.expiring_certificate_reminders_send(now=now) == 1
    assert services.expiring_certificate_reminders_send(now=now + timedelta(days=1)) == 0
    notification = Notification.objects.get()
    assert (notification.user, notification.kind, notification.key) == (
        recruit,
        Kind.CERTIFICATE_EXPIRING,
        f"certificate:{expiring.pk}:expiring",
    )
    assert notification.params["expires"] == timezone.localdate(expiring.expires_at).isoformat()
    assert notification.url == reverse("certificate_detail", args=[expiring.code])


# --- pages --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_need_a_login(client, recruit):
    notification = create(recruit)
    for method, url in (
        ("get", reverse("notification_list")),
        ("get", reverse("notification_preferences")),
        ("get", reverse("notification_open", args=[notification.pk])),
        ("post", reverse("notifications_mark_read")),
        ("post", reverse("notification_preferences")),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert reverse("account_login") in response.url
    assert Notification.objects.get().read_at is None


@pytest.mark.django_db
def test_the_list_shows_only_my_notifications_newest_first(client, recruit, other_recruit):
    create(recruit, key="attempt:1", params={**GRADED, "title": "第一次小测"})
    create(recruit, key="attempt:2", params={**GRADED, "title": "第二次小测"})
    theirs = create(other_recruit, key="attempt:3", params={**GRADED, "title": "别人的小测"})
    client.force_login(recruit)
    page = client.get(reverse("notification_list")).content.decode()
    assert page.index("第二次小测") < page.index("第一次小测")
    assert "别人的小测" not in page
    assert page.count('class="notif unread"') == 2
    assert reverse("notifications_mark_read") in page
    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.django_db
def test_opening_one_marks_it_read_and_follows_its_link(client, recruit):
    notification = create(recruit, url="/progress/")
    unsafe = create(recruit, key="attempt:2", url="https://evil.example/")
    client.force_login(recruit)
    response = client.get(reverse("notification_open", args=[notification.pk]))
    assert (response.status_code, response.url) == (302, "/progress/")
    assert Notification.objects.get(pk=notification.pk).read_at is not None
    assert unread(recruit) == 1
    response = client.get(reverse("notification_open", args=[unsafe.pk]))
    assert response.url == reverse("notification_list")  # internal links only


@pytest.mark.django_db
def test_mark_all_read_and_the_bell(client, recruit):
    for i in range(3):
        create(recruit, key=f"attempt:{i}")
    client.force_login(recruit)
    page = client.get(reverse("catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'aria-label="Notifications, 3 unread"' in page
    assert '<span class="bell-count" aria-hidden="true">3</span>' in page
    response = client.post(reverse("notifications_mark_read"))
    assert (response.status_code, response.url) == (302, reverse("notification_list"))
    assert unread(recruit) == 0
    page = client.get(reverse("catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'aria-label="Notifications, none unread"' in page
    assert "bell-count" not in page
    assert client.get(reverse("notifications_mark_read")).status_code == 405


@pytest.mark.django_db
def test_preferences_save_per_kind_and_hide_review_requests_from_recruits(client, recruit, trainer):
    client.force_login(recruit)
    page = client.get(reverse("notification_preferences")).content.decode()
    assert f'name="{Kind.GRADED}"' in page
    assert f'name="{Kind.REVIEW_NEEDED}"' not in page
    assert len(CHECKED.findall(page)) == len(Kind) - 1  # on unless switched off
    on = {k: "on" for k in Kind.values if k not in (Kind.GRADED, Kind.REVIEW_NEEDED)}
    response = client.post(reverse("notification_preferences"), {**on, Kind.REVIEW_NEEDED: ""})
    assert response.status_code == 302
    stored = dict(NotificationPreference.objects.filter(user=recruit).values_list("kind", "email"))
    assert stored == {**dict.fromkeys(on, True), Kind.GRADED: False}
    page = client.get(reverse("notification_preferences")).content.decode()
    assert len(CHECKED.findall(page)) == len(Kind) - 2
    client.force_login(trainer)
    assert f'name="{Kind.REVIEW_NEEDED}"' in client.get(reverse("notification_preferences")).content.decode()


# session + user (2) included. Pinned: the same with 1 or 40 notifications.
PINNED = {"list": 4, "list_page_2": 4, "preferences": 3, "preferences_save": 3, "mark_read": 6, "open": 7}


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 40])
def test_page_query_counts_are_pinned(client, recruit, count, django_assert_num_queries):
    notifications = [create(recruit, key=f"attempt:{i}") for i in range(count)]
    client.force_login(recruit)
    calls = {
        "list": ("get", reverse("notification_list"), {}),
        "list_page_2": ("get", reverse("notification_list") + "?page=2", {}),
        "preferences": ("get", reverse("notification_preferences"), {}),
        "preferences_save": ("post", reverse("notification_preferences"), {Kind.GRADED: "on"}),
        "open": ("get", reverse("notification_open", args=[notifications[0].pk]), {}),
        "mark_read": ("post", reverse("notifications_mark_read"), {}),
    }
    for name, (method, url, data) in calls.items():
        with django_assert_num_queries(PINNED[name]):
            response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302), name


# --- the user's language ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_switching_the_interface_language_is_remembered(client, recruit, django_assert_num_queries):
    client.force_login(recruit)
    with django_assert_num_queries(3):  # session, user, the update
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert User.objects.get(pk=recruit.pk).language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})  # refused by Django, ignored here
    assert User.objects.get(pk=recruit.pk).language == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert User.objects.get(pk=recruit.pk).language == "zh-hans"
    client.logout()
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302


@pytest.mark.django_db
def test_signing_up_keeps_the_signup_language(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.hire@example.com",
            "display_name": "新同事",
            "password1": "Xk4!community-ops",
            "password2": "Xk4!community-ops",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert User.objects.get(email="new.hire@example.com").language == "en"


# --- certificates -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_issued_certificate_is_a_notification_told_once(recruit, course):
    from certificates.services import certificate_notify, certificate_revoke

    certificate = Certificate.objects.create(user=recruit, course=course, level=course.level)
    assert certificate_notify(certificate_id=certificate.pk) is True
    assert certificate_notify(certificate_id=certificate.pk) is False
    notification = Notification.objects.get(user=recruit)
    assert (notification.kind, notification.key) == (Kind.CERTIFICATE_ISSUED, f"certificate:{certificate.pk}")
    assert notification.params == {"title": "新人路径", "title_en": "Newcomer path", "level": "junior"}
    assert len(mail.outbox) == 1
    assert certificate.code in mail.outbox[0].body
    revoked = Certificate.objects.create(
        user=recruit,
        course=Course.objects.create(slug="c9", title="路径", level=Level.SENIOR),
        level=Level.SENIOR,
    )
    staff = User.objects.create_user(email="admin@example.com", password="pw-admin-123", is_staff=True)
    certificate_revoke(certificate=revoked, reason="重复账号", acting_user=staff)
    assert certificate_notify(certificate_id=revoked.pk) is False
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


# --- a real worker ------------------------------------------------------------------------------------------


@pytest.fixture
def email_dir(tmp_path, monkeypatch) -> Path:
    """The worker is another process: it writes its email to files here instead of Django's locmem outbox."""
    folder = tmp_path / "mail"
    folder.mkdir()
    monkeypatch.setenv("EMAIL_FILE_PATH", str(folder))
    monkeypatch.delenv("EMAIL_HOST", raising=False)
    return folder


@pytest.mark.services
@pytest.mark.worker
def test_the_worker_sends_the_email_once_in_the_users_language(email_dir, celery_worker_process, recruit):
    User.objects.filter(pk=recruit.pk).update(language="en")
    params = {
        "module": "社群入门",
        "module_en": "Community basics",
        "course": "新人路径",
        "due": "2026-12-05",
    }
    with transaction.atomic():
        notification = create(recruit, kind=Kind.DUE_SOON, key="k", params=params)
    wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists(), timeout=60
    )
    send_notification_email.delay(notification.pk)  # a duplicate delivery
    wait_for(lambda: celery_worker_process.log.read_text().count("succeeded") >= 2, timeout=60)
    files = list(email_dir.iterdir())
    assert len(files) == 1
    messages = [m for m in files[0].read_bytes().split(b"-" * 79) if m.strip()]
    assert len(messages) == 1
    message = email.message_from_bytes(messages[0].strip())
    body = message.get_payload(decode=True).decode()
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == (
        "Due soon: Community basics"
    )
    assert "Dec. 5, 2026" in body
    assert message["To"] == recruit.email
    assert mail.outbox == []  # sent by the worker, not in this process
    assert "notifications.tasks.send_notification_email[" in celery_worker_process.log.read_text()
