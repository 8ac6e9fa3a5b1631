"""Module feedback: a recruit rates a module version they passed, once, editable for 7 days; trainers see
distributions, averages and comments only from 5 answers, and names only where the recruit allowed it."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import ModuleProgress, ModuleVersion
from evaluation import services
from evaluation.models import ModuleFeedback
from tests.integration.test_manager_helpers import logged_in, make_user
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = pytest.mark.django_db

NOT_ENOUGH = "Not enough answers yet to show without identifying anyone."


def pass_module(user, module) -> None:
    """Setup shortcut for the crowd of raters: the progress row the grading service writes on a pass."""
    ModuleProgress.objects.update_or_create(
        user=user, module=module, defaults={"passed": True, "passed_at": timezone.now()}
    )


def post_rating(client, module, **overrides):
    data = {
        "version": module.current_version_id,
        "usefulness": "4",
        "difficulty": "3",
        "clarity": "5",
        "comment": "",
        **overrides,
    }
    return client.post(reverse("evaluation_feedback", args=[module.slug]), data)


def rate(user, module, *, comment: str = "", show_name: bool = False, value: int = 4, now=None):
    return services.feedback_save(
        user=user,
        module=module,
        version_id=module.current_version_id,
        ratings=services.Ratings(
            usefulness=value, difficulty=3, clarity=value, comment=comment, show_name=show_name
        ),
        now=now,
    )


@pytest.fixture
def en(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.django_db(transaction=True)  # grading runs on commit
def test_a_recruit_who_passed_through_the_quiz_rates_the_module(recruit_client, recruit, imported, en):
    attempt = start_attempt(recruit_client, imported)
    result = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    assert result.status_code == 302
    assert ModuleProgress.objects.get(user=recruit, module=imported).passed
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk]))
    assert b'data-testid="feedback-result-prompt"' in page.content
    module_page = recruit_client.get(reverse("module_detail", args=[imported.slug]))
    assert b'data-testid="feedback-form"' in module_page.content

    response = post_rating(recruit_client, imported, comment="案例很实用", show_name="on")
    assert response.status_code == 302
    row = ModuleFeedback.objects.get(user=recruit)
    assert (row.version_id, row.usefulness, row.difficulty, row.clarity) == (
        imported.current_version_id,
        4,
        3,
        5,
    )
    assert row.comment == "案例很实用"
    assert row.show_name is True
    again = recruit_client.get(reverse("attempt_detail", args=[attempt.pk]))
    assert b"See or change your rating" in again.content


def test_a_recruit_who_has_not_passed_is_refused_with_a_message(recruit_client, recruit, imported, en):
    page = recruit_client.get(reverse("evaluation_feedback", args=[imported.slug]))
    assert page.status_code == 403
    assert b"once you have passed it" in page.content
    response = post_rating(recruit_client, imported)
    assert response.status_code == 403
    assert not ModuleFeedback.objects.exists()
    with pytest.raises(services.FeedbackNotAllowed):
        rate(recruit, imported)


def test_someone_elses_pass_does_not_let_a_recruit_rate(client, recruit, other_recruit, imported, en):
    pass_module(other_recruit, imported)
    response = post_rating(logged_in(recruit), imported)
    assert response.status_code == 403
    assert not ModuleFeedback.objects.exists()


def test_a_trainer_does_not_rate_modules(client, trainer, imported, en):
    pass_module(trainer, imported)
    response = post_rating(logged_in(trainer), imported)
    assert response.status_code == 403
    assert b"Only recruits rate modules." in response.content
    assert not ModuleFeedback.objects.exists()


def test_double_submit_changes_nothing_more_than_one(recruit_client, recruit, imported):
    pass_module(recruit, imported)
    post_rating(recruit_client, imported, comment="好")
    first = ModuleFeedback.objects.get()
    response = post_rating(recruit_client, imported, comment="好")
    assert response.status_code == 302
    second = ModuleFeedback.objects.get()
    assert second.pk == first.pk
    assert second.updated_at == first.updated_at
    assert ModuleFeedback.objects.count() == 1


def test_the_rating_can_change_for_seven_days_then_is_read_only(recruit, imported, en, client):
    pass_module(recruit, imported)
    start = timezone.now()
    row, _ = rate(recruit, imported, value=2, now=start)
    changed, did = rate(recruit, imported, value=5, now=start + timedelta(days=6, hours=23))
    assert did
    assert changed.pk == row.pk
    with pytest.raises(services.FeedbackError, match="7 days"):
        rate(recruit, imported, value=1, now=start + timedelta(days=7, seconds=1))
    row.refresh_from_db()
    assert row.usefulness == 5

    c = logged_in(recruit)
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(days=8)):
        page = c.get(reverse("evaluation_feedback", args=[imported.slug]))
        assert b'data-testid="feedback-given"' in page.content
        assert b'data-testid="feedback-form"' not in page.content
        response = post_rating(c, imported, usefulness="1")
    assert response.status_code == 400
    assert b"no longer be changed" in response.content
    row.refresh_from_db()
    assert row.usefulness == 5


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("usefulness", "6", b"whole number from 1 to 5"),
        ("difficulty", "0", b"whole number from 1 to 5"),
        ("clarity", "x", b"whole number from 1 to 5"),
        ("usefulness", "", b"Choose a value from 1 to 5."),
        ("comment", "bad\x00text", b"NUL character"),
        ("comment", "长" * 1001, b"at most 1000 characters"),
        ("version", "abc", b"another version of the module"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    recruit_client, recruit, imported, en, field, value, message
):
    pass_module(recruit, imported)
    post_rating(recruit_client, imported, comment="原来的")
    before = ModuleFeedback.objects.get()
    response = post_rating(recruit_client, imported, **{"comment": "新的", field: value})
    assert response.status_code == 400
    assert message in response.content
    after = ModuleFeedback.objects.get()
    assert (after.comment, after.usefulness, after.updated_at) == (before.comment, 4, before.updated_at)


def test_a_tampered_version_id_is_refused(recruit_client, recruit, imported, drill_module, en):
    pass_module(recruit, imported)
    for version_id in (drill_module.current_version_id, 999_999):
        response = post_rating(recruit_client, imported, version=str(version_id))
        assert response.status_code == 400
        assert b"another version of the module" in response.content
    assert not ModuleFeedback.objects.exists()


def test_an_old_version_takes_no_new_answer(recruit_client, recruit, imported, en):
    pass_module(recruit, imported)
    current = imported.current_version
    old = ModuleVersion.objects.create(
        module=imported,
        number=current.number + 100,
        source_hash="x",
        title="旧版",
        skill_area="growth",
        level="junior",
    )
    response = post_rating(recruit_client, imported, version=str(old.pk))
    assert response.status_code == 400
    assert not ModuleFeedback.objects.exists()


def _crowd(module, n: int, *, start: int = 0):
    users = []
    for i in range(start, start + n):
        user = make_user(f"r{i}@example.com", display_name=f"林同学{i}")
        pass_module(user, module)
        users.append(user)
    return users


def test_a_trainer_sees_nothing_below_five_answers(client, trainer, imported, en):
    for i, user in enumerate(_crowd(imported, 4)):
        rate(user, imported, comment=f"评论{i}", show_name=True)
    page = logged_in(trainer).get(reverse("evaluation_trainer_module", args=[imported.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert NOT_ENOUGH in text
    assert "评论" not in text
    assert "林同学" not in text
    assert f'data-testid="dist-{imported.current_version.number}-usefulness"' not in text


def test_a_trainer_sees_distributions_averages_and_comments_from_five(client, trainer, imported, en):
    users = _crowd(imported, 6)
    for i, user in enumerate(users):
        rate(user, imported, value=5 if i < 3 else 1, comment=f"评论{i}", show_name=(i == 0))
    page = logged_in(trainer).get(reverse("evaluation_trainer_module", args=[imported.slug]))
    text = page.content.decode()
    assert NOT_ENOUGH not in text
    number = imported.current_version.number
    assert f'data-testid="dist-{number}-usefulness"' in text
    assert "average 3.00" in text
    assert all(f"评论{i}" in text for i in range(6))
    # Only the one recruit who allowed it is named; the others are anonymous, their names nowhere.
    assert "林同学0" in text
    assert not any(f"林同学{i}" in text for i in range(1, 6))
    assert text.count("anonymous") == 5


def test_names_stay_hidden_when_the_site_hides_them_from_trainers(client, trainer, imported, settings):
    settings.TRAINER_SEES_NAMES = False
    for user in _crowd(imported, 5):
        rate(user, imported, comment="看得见吗", show_name=True)
    text = logged_in(trainer).get(reverse("evaluation_trainer_module", args=[imported.slug])).content.decode()
    assert "看得见吗" in text
    assert "林同学" not in text


@pytest.mark.parametrize("who", ["recruit", "manager", "anonymous"])
def test_only_trainers_reach_the_report(client, recruit, imported, who):
    if who == "recruit":
        client.force_login(recruit)
    elif who == "manager":
        client.force_login(make_user("m@example.com", role="manager"))
    for url in (
        reverse("evaluation_trainer_index"),
        reverse("evaluation_trainer_module", args=[imported.slug]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 404)
        if who != "anonymous":
            assert response.status_code == 404


def test_the_trend_shows_each_version_with_enough_answers(client, trainer, imported, en):
    first = imported.current_version
    for user in _crowd(imported, 5):
        rate(user, imported, value=2)
    second = ModuleVersion.objects.create(
        module=imported,
        number=first.number + 1,
        source_hash="y",
        title=first.title,
        skill_area=first.skill_area,
        level=first.level,
    )
    imported.current_version = second
    imported.save(update_fields=["current_version"])
    for user in _crowd(imported, 5, start=10):
        rate(user, imported, value=4)
    text = logged_in(trainer).get(reverse("evaluation_trainer_module", args=[imported.slug])).content.decode()
    assert f'<th scope="row">v{first.number}</th><td>2.00</td>' in text
    assert f'<th scope="row">v{second.number}</th><td>4.00</td>' in text


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# Session, user and the trainer header's review-queue count (3) included.
REPORT_QUERIES = 6  # + module, versions, answers with their recruits
INDEX_QUERIES = 5  # + counts per module, modules with their current version
FORM_QUERIES = 5  # session, user, module, progress, the recruit's answer


def test_query_counts_are_pinned_whatever_the_number_of_answers(client, trainer, recruit, imported):
    pass_module(recruit, imported)
    rate(recruit, imported, comment="第一")
    trainer_client = logged_in(trainer)
    recruit_client = logged_in(recruit)
    urls = {
        "report": reverse("evaluation_trainer_module", args=[imported.slug]),
        "index": reverse("evaluation_trainer_index"),
    }
    form_url = reverse("evaluation_feedback", args=[imported.slug])
    few = {name: _count(trainer_client, url) for name, url in urls.items()}
    few_form = _count(recruit_client, form_url)
    for i, user in enumerate(_crowd(imported, 12)):
        rate(user, imported, comment=f"评论{i}", show_name=bool(i % 2))
    many = {name: _count(trainer_client, url) for name, url in urls.items()}
    assert few == many == {"report": REPORT_QUERIES, "index": INDEX_QUERIES}
    assert few_form == _count(recruit_client, form_url) == FORM_QUERIES


def test_staff_read_answers_in_the_admin(client, recruit, imported, admin_user):
    pass_module(recruit, imported)
    rate(recruit, imported, comment="管理后台可见")
    client.force_login(admin_user)
    page = client.get(reverse("admin:evaluation_modulefeedback_changelist"))
    assert page.status_code == 200
    assert "recruit@example.com" in page.content.decode()
    detail = client.get(
        reverse("admin:evaluation_modulefeedback_change", args=[ModuleFeedback.objects.get().pk])
    )
    assert "管理后台可见" in detail.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_leave_one_answer(recruit, imported, require_postgres):
    import threading

    from django.db import connection as conn

    pass_module(recruit, imported)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit():
        try:
            barrier.wait()
            rate(recruit, imported, comment="同时提交")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert ModuleFeedback.objects.filter(user=recruit).count() == 1
