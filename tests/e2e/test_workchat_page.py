"""The cohort's group-bot page in a browser: attach a bot against the fake 钉钉, send a test message through
the form, see it sent; a bad address shows its reason. axe finds nothing critical or serious on the page, in
Chinese and English, at 1280 and 390 px; screenshots go to var/screenshots/workchat-*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from accounts.models import Role
from courses import manager_services
from courses.models import Course, Level
from tests.conftest import wait_for
from tests.e2e.conftest import shot
from tests.integration.test_manager_helpers import make_user
from tests.integration.workchat_fakes import start_fake_platforms
from workchat import services
from workchat.models import Delivery, DeliveryStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"critical", "serious"}


def bot_page_populate(*, cohort, manager) -> None:
    """Two bots and a few delivery records (sent, failed with a platform code, queued) for the page walks."""
    wecom = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="wecom",
        name="运营一组群",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa",
    )
    feishu = services.bot_create(
        cohort=cohort,
        acting_user=manager,
        platform="feishu",
        name="飞书培训群",
        webhook_url="https://open.feishu.cn/open-apis/bot/v2/hook/2f7c1e5a-7c4e-4b8e-9a3b-5d2f1c0e9b7a",
        secret="feishu-secret-0123",
    )
    today = timezone.localdate()
    for i, (bot, status, code, message) in enumerate(
        [
            (wecom, DeliveryStatus.SENT, "", ""),
            (feishu, DeliveryStatus.FAILED, "19021", "sign match fail or timestamp is not within one hour"),
            (wecom, DeliveryStatus.PENDING, "http 502", "server error"),
        ]
    ):
        Delivery.objects.create(
            bot=bot,
            kind="digest",
            key=f"digest:{today - timedelta(days=i)}",
            digest_date=today - timedelta(days=i),
            title="t",
            lines=[],
            status=status,
            attempts=1 if status != DeliveryStatus.FAILED else 6,
            error_code=code,
            error_message=message,
        )


@pytest.fixture
def fake():
    fake = start_fake_platforms()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def cohort_and_manager(imported):
    from courses.models import CourseModule

    manager = make_user("manager@demo.local", Role.MANAGER, display_name="陈经理")
    course = Course.objects.create(
        slug="junior", title="初级路径", title_en="Junior track", level=Level.JUNIOR
    )
    CourseModule.objects.create(course=course, module=imported, position=0, due_days=7)
    cohort = manager_services.cohort_create(
        acting_user=manager, name="2026 年 12 月批次", course=course, start_date=timezone.localdate()
    )
    return cohort, manager


def test_a_manager_attaches_a_dingtalk_bot_and_its_test_message_arrives(
    signed_in_as, live_server, cohort_and_manager, fake
):
    cohort, manager = cohort_and_manager
    page = signed_in_as(manager, language="en")
    page.goto(f"{live_server.url}/manager/cohorts/{cohort.pk}/bots/")
    page.select_option("select[name=platform]", "dingtalk")
    page.fill("input[name=name]", "运营群")
    page.fill("input[name=webhook_url]", "https://evil.example/robot/send?access_token=abcdef123456")
    page.click("text=Attach bot")
    assert "not on the platform's own host" in page.inner_text("[data-testid=bot-error]")
    shot(page, "workchat-bad-address-1280-en")
    page.fill("input[name=webhook_url]", fake.dingtalk_url("dingtoken0123", "SECsecret0123456"))
    page.fill("input[name=secret]", "SECsecret0123456")
    page.click("text=Attach bot")
    assert "dingtoken0123" not in page.content()
    page.click("text=Send test message")
    wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).exists(), timeout=15)
    page.reload()
    assert "sent" in page.inner_text("[data-testid=deliveries]")
    assert len(fake.accepted("dingtalk")) == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_bot_page_is_accessible_and_fits_a_phone(
    signed_in_as, live_server, cohort_and_manager, language, device
):
    cohort, manager = cohort_and_manager
    bot_page_populate(cohort=cohort, manager=manager)
    page = signed_in_as(manager, device=device, language=language)
    page.goto(f"{live_server.url}/manager/cohorts/{cohort.pk}/bots/")
    width = 1280 if device == "desktop" else 390
    shot(page, f"workchat-bots-{width}-{language}")
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
    scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll[0] <= scroll[1], scroll
