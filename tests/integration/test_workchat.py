"""Cohort group bots: the manager's page, encrypted credentials, digests and delivery against fake 企业微信 /
钉钉 / 飞书 servers on 127.0.0.1 that check signatures, timestamps, JSON and rate limits as documented."""

from __future__ import annotations

import time
import types
import uuid
from datetime import timedelta
from html import unescape

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from certificates.models import Certificate
from courses import manager_services
from courses.models import Course, CourseModule, Enrolment, Level
from tests.conftest import wait_for
from tests.integration.test_manager_helpers import logged_in, make_user
from tests.integration.workchat_fakes import start_fake_platforms
from workchat import crypto, services
from workchat.models import Delivery, DeliveryStatus, GroupBot
from workchat.platforms import Platform

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_QUERIES = 5  # session, user, cohort, bots, deliveries


@pytest.fixture
def fake():
    fake = start_fake_platforms()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def manager(db):
    return make_user("manager@example.com", Role.MANAGER)


@pytest.fixture
def other_manager(db):
    return make_user("other@example.com", Role.MANAGER)


def make_cohort(module, manager, *, recruits: int = 0, slug: str = "c1"):
    course = Course.objects.create(
        slug=slug, title="课程" + slug, title_en="Course " + slug, level=Level.JUNIOR
    )
    CourseModule.objects.create(course=course, module=module, position=0, due_days=7)
    cohort = manager_services.cohort_create(
        acting_user=manager, name="批次" + slug, course=course, start_date=timezone.localdate()
    )
    for i in range(recruits):
        user = make_user(f"r{i}-{slug}@example.com", Role.RECRUIT, display_name=f"新人{i}")
        manager_services.cohort_join(cohort=cohort, user=user)
    return cohort


@pytest.fixture
def cohort(imported, manager):
    return make_cohort(imported, manager, recruits=3)


def attach(client, cohort, url, platform, *, name="群", secret=""):
    return client.post(
        reverse("workchat_bot_add", args=[cohort.pk]),
        {"platform": platform, "name": name, "webhook_url": url, "secret": secret},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def press_test(client, bot, nonce=None):
    return client.post(
        reverse("workchat_bot_test", args=[bot.cohort_id, bot.pk]), {"nonce": nonce or str(uuid.uuid4())}
    )


# ── the page, scoping and bad input ──────────────────────────────────────────────────────────────────


def test_a_manager_attaches_a_bot_whose_credentials_are_stored_encrypted_and_shown_masked(
    cohort, manager, fake
):
    client = logged_in(manager)
    url = fake.dingtalk_url("dingtoken0123456789", "SECdingsecret0123456789")
    response = attach(client, cohort, url, "dingtalk", secret="SECdingsecret0123456789")
    assert response.status_code == 302
    bot = GroupBot.objects.get(cohort=cohort)
    assert "dingtoken0123456789" not in bot.webhook_encrypted
    assert "SECdingsecret" not in bot.secret_encrypted
    assert crypto.decrypt(bot.webhook_encrypted) == url
    assert crypto.decrypt(bot.secret_encrypted) == "SECdingsecret0123456789"
    html = unescape(
        client.get(reverse("workchat_bots", args=[cohort.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert bot.webhook_hint in html
    assert "dingtoken0123456789" not in html
    assert "SECdingsecret0123456789" not in html
    assert "Send test message" in html


@pytest.mark.parametrize(
    ("platform", "url", "secret", "shown"),
    [
        ("wecom", "https://evil.example/cgi-bin/webhook/send?key=0123456789abcdef", "", "own host"),
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef", "", "https://"),
        (
            "wecom",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef",
            "SECxyz012345",
            "secret",
        ),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/ok123456789?x=1", "", "飞书"),
        (
            "dingtalk",
            "https://oapi.dingtalk.com/robot/send?access_token=abc\x00def12345",
            "",
            "Null characters",
        ),
        ("telegram", "https://api.telegram.org/bot123/sendMessage", "", "Select a valid choice"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + "a" * 600, "", "at most 500"),
    ],
)
def test_bad_addresses_odd_hosts_and_tampered_forms_are_refused_and_change_nothing(
    cohort, manager, platform, url, secret, shown
):
    response = attach(logged_in(manager), cohort, url, platform, secret=secret)
    assert response.status_code == 400
    assert shown in unescape(response.content.decode())
    assert not GroupBot.objects.exists()


def test_without_encryption_keys_in_production_no_bot_is_attached_and_the_page_says_why(cohort, manager):
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef"
    with override_settings(DEBUG=False, WORKCHAT_FERNET_KEYS=[]):
        response = attach(logged_in(manager), cohort, url, "wecom")
    assert response.status_code == 400
    assert "not set up on this site" in unescape(response.content.decode())
    assert not GroupBot.objects.exists()


def test_another_managers_cohort_and_bots_are_404_and_nothing_changes(
    cohort, manager, other_manager, fake, imported
):
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="wecom",
        name="群",
        webhook_url=fake.wecom_url("key0123456789"),
    )
    theirs = logged_in(other_manager)
    assert theirs.get(reverse("workchat_bots", args=[cohort.pk])).status_code == 404
    assert attach(theirs, cohort, fake.wecom_url("key9876543210"), "wecom", name="x").status_code == 404
    assert press_test(theirs, bot).status_code == 404
    assert theirs.post(reverse("workchat_bot_remove", args=[cohort.pk, bot.pk])).status_code == 404
    # Their own cohort with our bot's id: still 404.
    own = make_cohort(imported, other_manager, slug="c2")
    assert press_test(theirs, GroupBot(pk=bot.pk, cohort=own)).status_code == 404
    assert theirs.post(reverse("workchat_bot_remove", args=[own.pk, bot.pk])).status_code == 404
    assert GroupBot.objects.count() == 1
    assert not Delivery.objects.exists()
    recruit = make_user("r@example.com", Role.RECRUIT)
    assert logged_in(recruit).get(reverse("workchat_bots", args=[cohort.pk])).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(cohort, manager, fake, django_assert_num_queries):
    client = logged_in(manager)
    url = reverse("workchat_bots", args=[cohort.pk])
    client.get(url)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(url).status_code == 200
    for i in range(4):
        bot = services.bot_create(
            cohort=cohort,
            acting_user=manager,
            platform="wecom",
            name=f"群{i}",
            webhook_url=fake.wecom_url(f"key{i}abcdefgh"),
        )
        services.bot_test_queue(bot=bot, nonce=str(uuid.uuid4()))
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(url).status_code == 200


def test_a_cohort_has_at_most_five_bots_and_names_are_unique(cohort, manager, fake):
    client = logged_in(manager)
    assert attach(client, cohort, fake.wecom_url("key0abcdefgh"), "wecom", name="A").status_code == 302
    response = attach(client, cohort, fake.wecom_url("key1abcdefgh"), "wecom", name="A")
    assert response.status_code == 400
    assert "already has a bot with this name" in unescape(response.content.decode())
    for i in range(1, 5):
        assert (
            attach(client, cohort, fake.wecom_url(f"key{i}abcdefgh"), "wecom", name=f"B{i}").status_code
            == 302
        )
    assert attach(client, cohort, fake.wecom_url("key9abcdefgh"), "wecom", name="C").status_code == 400
    assert GroupBot.objects.count() == 5


# ── sending (in-process tasks) ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("platform", list(Platform))
def test_a_test_message_reaches_each_platform_signed_as_documented(cohort, manager, fake, platform):
    secret = "" if platform is Platform.WECOM else "SECsecret-0123456789"
    url = {
        Platform.WECOM: lambda: fake.wecom_url("wecomkey0123"),
        Platform.DINGTALK: lambda: fake.dingtalk_url("dingtoken0123", secret),
        Platform.FEISHU: lambda: fake.feishu_url("feishuhook0123", secret),
    }[platform]()
    client = logged_in(manager)
    assert attach(client, cohort, url, platform.value, secret=secret).status_code == 302
    bot = GroupBot.objects.get()
    nonce = str(uuid.uuid4())
    assert press_test(client, bot, nonce).status_code == 302
    assert press_test(client, bot, nonce).status_code == 302  # a double submit
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error_code) == (DeliveryStatus.SENT, 1, "")
    assert len(fake.accepted(platform.value)) == 1
    assert cohort.name in str(fake.received[0].body)


@pytest.mark.parametrize(
    ("platform", "code"),
    [(Platform.WECOM, "93000"), (Platform.DINGTALK, "310000"), (Platform.FEISHU, "19021")],
)
def test_a_wrong_key_or_signature_is_recorded_as_failed_with_the_platforms_code(
    cohort, manager, fake, platform, code
):
    if platform is Platform.WECOM:
        url = fake.wecom_url("wecomkey0123").replace("wecomkey0123", "revokedkey0123")
    elif platform is Platform.DINGTALK:
        url = fake.dingtalk_url("dingtoken0123", "SECtherealsecret0123")
    else:
        url = fake.feishu_url("feishuhook0123", "therealsecret0123")
    secret = "" if platform is Platform.WECOM else "SECnotthesecret0123"
    bot = services.bot_create(
        cohort=cohort, acting_user=manager, platform=platform.value, name="群", webhook_url=url, secret=secret
    )
    services.bot_test_queue(bot=bot, nonce=str(uuid.uuid4()))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.error_code, delivery.attempts) == (DeliveryStatus.FAILED, code, 1)
    assert not fake.accepted()
    html = unescape(
        logged_in(manager)
        .get(reverse("workchat_bots", args=[cohort.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert f"failed ({code})" in html


def test_a_stale_dingtalk_timestamp_is_refused_by_the_platform(cohort, manager, fake, monkeypatch):
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="dingtalk",
        name="群",
        webhook_url=fake.dingtalk_url("dingtoken0123", "SECsecret0123456"),
        secret="SECsecret0123456",
    )
    stale = types.SimpleNamespace(time=lambda: time.time() - 2 * 3600)
    monkeypatch.setattr("workchat.services.time", stale)  # our clock two hours slow; the fake's is right
    services.bot_test_queue(bot=bot, nonce=str(uuid.uuid4()))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "310000")
    assert fake.received[0].answer["errmsg"] == "timestamp expired"


def test_a_5xx_in_process_leaves_the_message_pending_with_the_error_for_the_daily_run(cohort, manager, fake):
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="wecom",
        name="群",
        webhook_url=fake.wecom_url("wecomkey0123"),
    )
    fake.fail_next(("status", 502))
    services.bot_test_queue(bot=bot, nonce=str(uuid.uuid4()))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error_code) == (
        DeliveryStatus.PENDING,
        1,
        "http 502",
    )
    # The daily run re-queues a pending message once it is older than the lost-message delay.
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    from workchat.tasks import send_cohort_digests

    send_cohort_digests.delay()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_a_tampered_nonce_queues_nothing(cohort, manager, fake):
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="wecom",
        name="群",
        webhook_url=fake.wecom_url("wecomkey0123"),
    )
    response = logged_in(manager).post(
        reverse("workchat_bot_test", args=[cohort.pk, bot.pk]),
        {"nonce": "x' or 1=1"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "The form has expired" in unescape(response.content.decode())
    assert not Delivery.objects.exists()


def test_removing_a_bot_drops_its_queued_messages_and_a_late_task_sends_nothing(cohort, manager, fake):
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="wecom",
        name="群",
        webhook_url=fake.wecom_url("wecomkey0123"),
    )
    delivery = Delivery.objects.create(bot=bot, kind="test", key="test:x", title="t", lines=["l"])
    assert (
        logged_in(manager).post(reverse("workchat_bot_remove", args=[cohort.pk, bot.pk])).status_code == 302
    )
    assert services.delivery_send(delivery_id=delivery.pk) == "missing"
    assert not fake.received


# ── digests ──────────────────────────────────────────────────────────────────────────────────────────


def _shape(cohort):
    """One recruit overdue, one waiting for review, one certified today."""
    enrolments = list(Enrolment.objects.filter(cohort=cohort).select_related("user").order_by("user__email"))
    today = timezone.localdate()
    Enrolment.objects.filter(pk=enrolments[0].pk).update(next_due_date=today - timedelta(days=3))
    Enrolment.objects.filter(pk=enrolments[1].pk).update(awaiting_review=2)
    Certificate.objects.create(user=enrolments[2].user, course=cohort.course, level=Level.JUNIOR)
    return [e.user for e in enrolments]


def test_the_daily_digest_names_who_is_overdue_waiting_and_certified_once_per_bot_and_day(
    cohort, manager, fake
):
    users = _shape(cohort)
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="feishu",
        name="群",
        webhook_url=fake.feishu_url("feishuhook0123", "feishusecret01"),
        secret="feishusecret01",
    )
    from workchat.tasks import send_cohort_digests

    assert send_cohort_digests.delay().get() == 1
    assert send_cohort_digests.delay().get() == 0  # the same day again: nothing new
    delivery = Delivery.objects.get(bot=bot)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.key == f"digest:{timezone.localdate().isoformat()}"
    [received] = fake.accepted("feishu")
    text = str(received.body)
    assert "逾期" in text
    assert "3 天" in text
    assert users[0].display_name in text
    assert "待批改" in text
    assert users[1].display_name in text
    assert "认证" in text
    assert users[2].display_name in text
    # The next day's digest covers only what happened since: the certificate is not repeated.
    tomorrow = timezone.now() + timedelta(days=1)
    services.digests_create(today=timezone.localdate(tomorrow), now=tomorrow)
    later = Delivery.objects.filter(bot=bot).order_by("-period_end").first()
    assert later.period_start == delivery.period_end
    assert users[2].display_name not in str(later.lines)
    assert users[0].display_name in str(later.lines)


def test_the_digest_reads_two_queries_whatever_the_cohorts_size(imported, manager, django_assert_num_queries):
    now = timezone.now()
    small, large = (
        make_cohort(imported, manager, recruits=2, slug="s"),
        make_cohort(imported, manager, recruits=12, slug="l"),
    )
    Enrolment.objects.update(next_due_date=timezone.localdate() - timedelta(days=1), awaiting_review=1)
    for cohort, size in ((small, 2), (large, 12)):
        with django_assert_num_queries(2):
            digest = services.digest_data(
                cohort=cohort, since=now - timedelta(days=1), until=now, today=timezone.localdate()
            )
        assert len(digest.overdue) == len(digest.waiting) == size


# ── the rate limiter ─────────────────────────────────────────────────────────────────────────────────


def test_the_limiter_grants_the_limit_per_sliding_window_and_says_how_long_to_wait(redis_url):
    import redis

    redis.Redis.from_url(redis_url).delete("workchat:rate:999")
    with override_settings(REDIS_URL=redis_url, WORKCHAT_RATE_LIMIT=20, WORKCHAT_RATE_WINDOW=60):
        start = 1_000_000.0
        assert [services.rate_wait(bot_id=999, now=start + i) for i in range(20)] == [0] * 20
        assert services.rate_wait(bot_id=999, now=start + 30) == 30  # the first slot frees at start + 60
        assert services.rate_wait(bot_id=999, now=start + 60.5) == 0  # the slot taken at start freed
        assert services.rate_wait(bot_id=999, now=start + 60.6) == 1  # full again until start + 61
        assert services.rate_wait(bot_id=998, now=start + 61) == 0  # another bot has its own window
    redis.Redis.from_url(redis_url).delete("workchat:rate:999", "workchat:rate:998")


# ── with a real worker ───────────────────────────────────────────────────────────────────────────────


def test_a_worker_retries_5xx_and_timeouts_then_sends_once(celery_worker_process, cohort, manager, fake):
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="dingtalk",
        name="群",
        webhook_url=fake.dingtalk_url("dingtoken0123", "SECsecret0123456"),
        secret="SECsecret0123456",
    )
    fake.fail_next(("status", 503), ("stall", 3))
    started = time.monotonic()
    response = press_test(logged_in(manager), bot)
    assert response.status_code == 302
    assert time.monotonic() - started < 2  # the request only queued it
    delivery = wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).first(), timeout=60)
    assert delivery.attempts == 3
    assert len(fake.accepted("dingtalk")) == 1


def test_a_worker_gives_up_after_six_tries_and_records_the_last_error(
    celery_worker_process, cohort, manager, fake
):
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="wecom",
        name="群",
        webhook_url=fake.wecom_url("wecomkey0123"),
    )
    fake.fail_next(*[("status", 500)] * 10)
    press_test(logged_in(manager), bot)
    delivery = wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.FAILED).first(), timeout=90)
    assert (delivery.attempts, delivery.error_code) == (services.MAX_ATTEMPTS, "http 500")
    assert not fake.accepted()


def test_a_worker_keeps_each_bot_under_the_platforms_rate_limit(
    celery_worker_process, cohort, manager, fake, settings
):
    window = float(settings.WORKCHAT_RATE_WINDOW)
    fake.limits["wecom"] = (20, window)
    bot = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="wecom",
        name="群",
        webhook_url=fake.wecom_url("wecomkey0123"),
    )
    for _ in range(25):
        services.bot_test_queue(bot=bot, nonce=str(uuid.uuid4()))
    wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 25, timeout=60)
    assert [r.answer["errcode"] for r in fake.received] == [0] * 25  # never a 45009
    times = sorted(r.at for r in fake.received)
    assert times[20] - times[0] >= window - 0.5


def test_keys_rotate_old_values_still_open_until_rotated_and_an_unknown_key_changes_nothing(
    cohort, manager, fake
):
    from cryptography.fernet import Fernet
    from django.core.management import CommandError, call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    url = fake.feishu_url("feishuhook0123", "feishusecret01")
    with override_settings(WORKCHAT_FERNET_KEYS=[old]):
        bot = services.bot_create(
            cohort=cohort,
            acting_user=manager,
            platform="feishu",
            name="群",
            webhook_url=url,
            secret="feishusecret01",
        )
    with override_settings(WORKCHAT_FERNET_KEYS=[new]), pytest.raises(CommandError, match="none of"):
        call_command("workchat_rotate_keys")
    bot.refresh_from_db()
    with override_settings(WORKCHAT_FERNET_KEYS=[new, old]):
        assert crypto.decrypt(bot.webhook_encrypted) == url  # still opens with the old key
        call_command("workchat_rotate_keys")
    bot.refresh_from_db()
    with override_settings(WORKCHAT_FERNET_KEYS=[new]):
        assert crypto.decrypt(bot.webhook_encrypted) == url
        assert crypto.decrypt(bot.secret_encrypted) == "feishusecret01"
        services.bot_test_queue(bot=bot, nonce=str(uuid.uuid4()))
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    # A key lost: the message is recorded as failed with a clear code, nothing is sent.
    with override_settings(WORKCHAT_FERNET_KEYS=[old]):
        services.bot_test_queue(bot=bot, nonce=str(uuid.uuid4()))
    failed = Delivery.objects.get(status=DeliveryStatus.FAILED)
    assert failed.error_code == "key"
    assert len(fake.received) == 1
