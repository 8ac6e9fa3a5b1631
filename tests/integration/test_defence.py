"""The 转正答辩 panel: scheduling scoped to the manager's cohorts, independent scoring that leaks nothing
before a member submits, the stored result, audited changes, notifications, a certificate that waits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import Role
from certificates.models import Certificate
from certificates.services import certification_evaluate
from courses.models import Cohort, CohortMembership, Course, CourseModule, Level, ModuleProgress
from evaluation.defence_models import (
    Defence,
    DefenceRubricVersion,
    DefenceScore,
    DefenceScoreChange,
    DefenceStatus,
    PanelMember,
)
from evaluation.defence_rubric import rubric_parse, rubrics_load
from evaluation.defence_services import DefenceError, defence_schedule, rubrics_import
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

CONTENT = Path(__file__).resolve().parents[2] / "content"
WHEN = datetime(2027, 1, 15, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CRITERIA = ["results", "review", "methods", "communication"]


@pytest.fixture(autouse=True)
def _english(client):
    """The messages are asserted in English; one test reads them in Chinese, the site's default."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def rubric() -> DefenceRubricVersion:
    rubrics, messages = rubrics_load(CONTENT)
    assert not messages
    rubrics_import(rubrics=rubrics)
    return DefenceRubricVersion.objects.get(rubric__slug="probation-defence")


def user(django_user_model, email: str, role: str = Role.RECRUIT, **extra):
    return django_user_model.objects.create_user(email=email, password="pw-123-secret", role=role, **extra)


@pytest.fixture
def people(django_user_model, recruit):
    manager = user(django_user_model, "boss@example.com", Role.MANAGER)
    judges = [user(django_user_model, f"judge{i}@example.com", Role.MANAGER) for i in range(4)]
    return manager, judges


@pytest.fixture
def cohort(imported, people, recruit) -> Cohort:
    manager, _ = people
    course = Course.objects.create(
        slug="defence-track", title="答辩路径", level=Level.INTERMEDIATE, certification={}
    )
    CourseModule.objects.create(course=course, module=imported, position=0)
    cohort = Cohort.objects.create(name="十二月批次", course=course, start_date="2026-12-01")
    cohort.managers.add(manager)
    CohortMembership.objects.create(cohort=cohort, user=recruit)
    return cohort


def schedule(cohort, people, recruit, rubric, panel_size=3) -> Defence:
    manager, judges = people
    return defence_schedule(
        manager=manager,
        cohort=cohort,
        recruit_id=recruit.pk,
        panel_ids=[j.pk for j in judges[:panel_size]],
        rubric_version_id=rubric.pk,
        scheduled_at=WHEN,
    )


def sheet(levels: list[int], comment: str = "") -> dict:
    return {**{f"level-{c}": str(v) for c, v in zip(CRITERIA, levels, strict=True)}, "comment": comment}


def post_as(client, who, url: str, data: dict):
    client.force_login(who)
    return client.post(url, data)


def state(defence: Defence) -> tuple:
    defence.refresh_from_db()
    return (
        defence.status,
        defence.percent,
        defence.passed,
        sorted(
            DefenceScore.objects.filter(member__defence=defence).values_list(
                "member__user_id", "criterion", "level"
            )
        ),
        sorted(PanelMember.objects.filter(defence=defence).values_list("user_id", "comment", "submitted_at")),
        DefenceScoreChange.objects.count(),
    )


# --- import -------------------------------------------------------------------------------------------------


def test_rubric_import_is_idempotent_and_a_change_is_a_new_version(rubric):
    assert rubrics_import(rubrics=rubrics_load(CONTENT)[0]) == []
    text = (CONTENT / "defence" / "probation-defence.md").read_text(encoding="utf-8")
    changed, messages = rubric_parse(
        "defence/probation-defence.md", text.replace("pass_percent: 60", "pass_percent: 65")
    )
    assert not messages
    assert rubrics_import(rubrics=[changed]) == ["probation-defence v2"]
    rubric.refresh_from_db()
    assert rubric.pass_percent == 60  # the old version is untouched
    new = DefenceRubricVersion.objects.get(rubric__slug="probation-defence", number=2)
    assert new.pass_percent == 65
    assert new.rubric.current_version_id == new.pk


def test_import_content_publishes_rubrics_and_a_bad_rubric_stops_everything(tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    root = tmp_path / "content"
    (root / "defence").mkdir(parents=True)
    text = (CONTENT / "defence" / "probation-defence.md").read_text(encoding="utf-8")
    (root / "defence" / "a.md").write_text(text.replace("- 4: 表达简洁", "- 5: 表达简洁"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_content", root=str(root))
    assert "defence/a.md:" in capsys.readouterr().err
    assert not DefenceRubricVersion.objects.exists()
    (root / "defence" / "a.md").write_text(text, encoding="utf-8")
    call_command("import_content", root=str(root))
    assert "published defence rubric probation-defence v1" in capsys.readouterr().out


# --- scheduling ---------------------------------------------------------------------------------------------


def test_manager_schedules_a_defence_and_the_panel_is_notified(client, cohort, people, recruit, rubric):
    manager, judges = people
    client.force_login(manager)
    url = reverse("evaluation_defence_schedule", args=[cohort.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "recruit": recruit.pk,
            "rubric": rubric.pk,
            "scheduled_at": "2027-01-15T14:00",
            "panel": f"{judges[0].email}\n{judges[1].email.upper()}, {judges[2].email}",
        },
    )
    defence = Defence.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("evaluation_defence", args=[defence.pk])
    assert sorted(defence.panel.values_list("user_id", flat=True)) == sorted(j.pk for j in judges[:3])
    notified = Notification.objects.filter(kind=Kind.DEFENCE_SCHEDULED, key=f"defence:{defence.pk}")
    assert sorted(notified.values_list("user_id", flat=True)) == sorted(j.pk for j in judges[:3])
    assert not Notification.objects.filter(user=recruit).exists()


@pytest.mark.parametrize(
    ("panel", "message"),
    [
        ("judge0@example.com", "A panel has 2 to 4 members."),
        ("judge0@example.com judge0@example.com", "Each panel member can be named only once."),
        ("judge0@example.com recruit@example.com", "The recruit cannot be on their own panel."),
        ("judge0@example.com nobody@example.com", "No active user has the address nobody@example.com."),
        (
            "judge0@example.com judge1@example.com judge2@example.com judge3@example.com boss@example.com",
            "at most 4",
        ),
        ("judge0@example.com\x00 judge1@example.com", 'class="field-error"'),
    ],
)
def test_bad_panels_are_refused_with_a_message_and_nothing_is_written(
    client, cohort, people, recruit, rubric, panel, message
):
    client.force_login(people[0])
    response = client.post(
        reverse("evaluation_defence_schedule", args=[cohort.pk]),
        {"recruit": recruit.pk, "rubric": rubric.pk, "scheduled_at": "2027-01-15T14:00", "panel": panel},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Defence.objects.exists()
    assert not Notification.objects.exists()


def test_inactive_users_and_non_members_and_old_rubric_versions_are_refused(
    cohort, people, recruit, rubric, other_recruit
):
    manager, judges = people
    judges[1].is_active = False
    judges[1].save()
    base = {"manager": manager, "cohort": cohort, "rubric_version_id": rubric.pk, "scheduled_at": WHEN}
    with pytest.raises(DefenceError, match="active user"):
        defence_schedule(recruit_id=recruit.pk, panel_ids=[judges[0].pk, judges[1].pk], **base)
    with pytest.raises(DefenceError, match="not a recruit of this cohort"):
        defence_schedule(recruit_id=other_recruit.pk, panel_ids=[judges[0].pk, judges[2].pk], **base)
    text = (CONTENT / "defence" / "probation-defence.md").read_text(encoding="utf-8")
    rubrics_import(rubrics=[rubric_parse("defence/probation-defence.md", text + "\n")[0]])
    with pytest.raises(DefenceError, match="current rubrics"):
        defence_schedule(recruit_id=recruit.pk, panel_ids=[judges[0].pk, judges[2].pk], **base)
    assert not Defence.objects.exists()


def test_a_double_submitted_schedule_makes_one_defence(cohort, people, recruit, rubric):
    schedule(cohort, people, recruit, rubric)
    with pytest.raises(DefenceError, match="already has a defence at that date"):
        schedule(cohort, people, recruit, rubric)
    assert Defence.objects.count() == 1
    assert PanelMember.objects.count() == 3


def test_another_managers_cohort_is_404(client, cohort, recruit, rubric, django_user_model):
    stranger = user(django_user_model, "stranger@example.com", Role.MANAGER)
    client.force_login(stranger)
    url = reverse("evaluation_defence_schedule", args=[cohort.pk])
    assert client.get(url).status_code == 404
    response = client.post(
        url,
        {
            "recruit": recruit.pk,
            "rubric": rubric.pk,
            "scheduled_at": "2027-01-15T14:00",
            "panel": "judge0@example.com judge1@example.com",
        },
    )
    assert response.status_code == 404
    assert not Defence.objects.exists()


# --- scoring ------------------------------------------------------------------------------------------------


def test_nobody_outside_the_defence_reaches_it(
    client, cohort, people, recruit, rubric, django_user_model, other_recruit
):
    defence = schedule(cohort, people, recruit, rubric, panel_size=2)
    outsider = people[1][3]  # a manager, but neither on this panel nor managing the cohort
    before = state(defence)
    for who in (outsider, other_recruit):
        client.force_login(who)
        assert client.get(reverse("evaluation_defence", args=[defence.pk])).status_code == 404
        assert (
            client.post(
                reverse("evaluation_defence_score", args=[defence.pk]), sheet([4, 4, 4, 4])
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("evaluation_defence_change", args=[defence.pk]),
                {"criterion": "results", "level": 1, "reason": "x"},
            ).status_code
            == 404
        )
    # The recruit may read their defence but never score it.
    assert (
        post_as(
            client, recruit, reverse("evaluation_defence_score", args=[defence.pk]), sheet([4, 4, 4, 4])
        ).status_code
        == 404
    )
    assert state(defence) == before


def test_scores_stay_hidden_until_a_member_submits_their_own(client, cohort, people, recruit, rubric):
    manager, judges = people
    defence = schedule(cohort, people, recruit, rubric, panel_size=3)
    score_url = reverse("evaluation_defence_score", args=[defence.pk])
    page_url = reverse("evaluation_defence", args=[defence.pk])
    assert (
        post_as(client, judges[0], score_url, sheet([4, 1, 3, 2], "第一位评委的秘密评语")).status_code == 302
    )
    for who in (judges[1], manager, recruit):
        client.force_login(who)
        html = client.get(page_url).content.decode()
        assert "第一位评委的秘密评语" not in html
        assert 'data-testid="defence-sheets"' not in html
        assert 'data-testid="defence-result"' not in html
    client.force_login(judges[1])
    assert 'data-testid="score-form"' in client.get(page_url).content.decode()
    client.force_login(judges[0])
    html = client.get(page_url).content.decode()
    assert "第一位评委的秘密评语" in html
    assert 'data-testid="change-form"' in html


def test_the_last_sheet_makes_the_result_final_flags_disagreement_and_tells_the_recruit(
    client, cohort, people, recruit, rubric
):
    manager, judges = people
    defence = schedule(cohort, people, recruit, rubric, panel_size=3)
    url = reverse("evaluation_defence_score", args=[defence.pk])
    post_as(client, judges[0], url, sheet([4, 3, 3, 3]))
    post_as(client, judges[1], url, sheet([2, 3, 3, 3]))
    defence.refresh_from_db()
    assert defence.status == DefenceStatus.SCHEDULED
    assert defence.percent is None
    assert not Notification.objects.filter(user=recruit).exists()
    post_as(client, judges[2], url, sheet([3, 3, 2, 4]))
    defence.refresh_from_db()
    # results 3.0 → 75, review 3 → 75, methods 8/12 → 66.7, communication 10/12 → 83.3; mean 75.0
    assert defence.status == DefenceStatus.FINAL
    assert defence.percent == Decimal("75.0")
    assert defence.passed
    assert defence.flagged  # results: 4 and 2
    assert next((r["id"], r["low"], r["high"]) for r in defence.result["criteria"]) == ("results", 2, 4)
    note = Notification.objects.get(user=recruit, kind=Kind.DEFENCE_RESULT)
    assert note.params == {"result": "75.0", "passed": True}
    client.force_login(recruit)
    html = client.get(reverse("evaluation_defence", args=[defence.pk])).content.decode()
    assert "75.0%" in html
    assert 'data-testid="defence-flag"' not in html
    client.force_login(manager)
    html = client.get(reverse("evaluation_defence", args=[defence.pk])).content.decode()
    assert 'data-testid="defence-sheets"' in html
    assert 'data-testid="defence-flag"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**sheet([4, 4, 4, 4]), "level-results": "5"}, "Every level is a whole number from 1 to 4."),
        ({**sheet([4, 4, 4, 4]), "level-results": "0"}, "Every level is a whole number from 1 to 4."),
        ({**sheet([4, 4, 4, 4]), "level-results": "abc"}, "Every level is a whole number from 1 to 4."),
        ({**sheet([4, 4, 4, 4]), "level-invented": "3"}, "does not match the rubric"),
        ({k: v for k, v in sheet([4, 4, 4, 4]).items() if k != "level-review"}, "does not match the rubric"),
        (sheet([4, 4, 4, 4], "评语\x00"), "NUL character"),
        (sheet([4, 4, 4, 4], "长" * 2001), "longer than 2000 characters"),
    ],
)
def test_bad_score_sheets_are_refused_and_change_nothing(
    client, cohort, people, recruit, rubric, data, message
):
    defence = schedule(cohort, people, recruit, rubric, panel_size=2)
    before = state(defence)
    response = post_as(client, people[1][0], reverse("evaluation_defence_score", args=[defence.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state(defence) == before


def test_scoring_twice_is_refused_with_a_message(client, cohort, people, recruit, rubric):
    defence = schedule(cohort, people, recruit, rubric, panel_size=2)
    url = reverse("evaluation_defence_score", args=[defence.pk])
    post_as(client, people[1][0], url, sheet([3, 3, 3, 3], "first"))
    before = state(defence)
    response = post_as(client, people[1][0], url, sheet([1, 1, 1, 1], "second"))
    assert response.status_code == 400
    assert "already submitted" in response.content.decode()
    assert state(defence) == before
    client.cookies["django_language"] = "zh-hans"
    response = post_as(client, people[1][0], url, sheet([1, 1, 1, 1], "second"))
    assert "你已经提交过这场答辩的评分。" in response.content.decode()
    assert state(defence) == before


def test_a_change_needs_a_reason_is_audited_and_recomputes_the_result(
    client, cohort, people, recruit, rubric
):
    judges = people[1]
    defence = schedule(cohort, people, recruit, rubric, panel_size=2)
    url = reverse("evaluation_defence_score", args=[defence.pk])
    post_as(client, judges[0], url, sheet([2, 2, 2, 2]))
    post_as(client, judges[1], url, sheet([2, 2, 2, 2]))
    defence.refresh_from_db()
    assert defence.percent == Decimal("50.0")
    assert defence.passed is False
    change_url = reverse("evaluation_defence_change", args=[defence.pk])
    before = state(defence)
    for bad in (
        {"criterion": "results", "level": 4, "reason": ""},
        {"criterion": "results", "level": 4, "reason": "   "},
        {"criterion": "results", "level": 4, "reason": "理由\x00"},
        {"criterion": "invented", "level": 4, "reason": "看错了"},
        {"criterion": "results", "level": 7, "reason": "看错了"},
        {"criterion": "results", "level": 2, "reason": "看错了"},  # no change
    ):
        assert post_as(client, judges[0], change_url, bad).status_code == 400, bad
        assert state(defence) == before
    response = post_as(
        client, judges[0], change_url, {"criterion": "results", "level": 4, "reason": "漏看了第二页的数据"}
    )
    assert response.status_code == 302
    change = DefenceScoreChange.objects.get()
    assert (change.changed_by_id, change.old_level, change.new_level, change.reason) == (
        judges[0].pk,
        2,
        4,
        "漏看了第二页的数据",
    )
    defence.refresh_from_db()
    # results (4+2)/8 → 75, the others 50: mean 56.25 → 56.3; still below 60
    assert defence.percent == Decimal("56.3")
    assert defence.passed is False
    assert defence.flagged
    client.force_login(people[0])
    assert (
        "漏看了第二页的数据" in client.get(reverse("evaluation_defence", args=[defence.pk])).content.decode()
    )


# --- certificate --------------------------------------------------------------------------------------------


def test_a_track_requiring_a_defence_waits_for_a_passed_one(
    client, cohort, people, recruit, rubric, imported
):
    course = cohort.course
    course.certification = {
        "modules": [imported.slug],
        "drills": [],
        "pass_mark": 70,
        "validity_months": 12,
        "defence": True,
    }
    course.save()
    ModuleProgress.objects.update_or_create(
        user=recruit, module=imported, defaults={"quiz_score": Decimal("95"), "quiz_passed": True}
    )
    assert certification_evaluate(user_id=recruit.pk, course_id=course.pk) is None
    defence = schedule(cohort, people, recruit, rubric, panel_size=2)
    url = reverse("evaluation_defence_score", args=[defence.pk])
    post_as(client, people[1][0], url, sheet([1, 2, 2, 1]))
    post_as(client, people[1][1], url, sheet([2, 2, 1, 1]))
    defence.refresh_from_db()
    assert defence.passed is False
    assert certification_evaluate(user_id=recruit.pk, course_id=course.pk) is None
    post_as(
        client,
        people[1][0],
        reverse("evaluation_defence_change", args=[defence.pk]),
        {"criterion": "results", "level": 1, "reason": "复核"},
    )
    later = defence_schedule(
        manager=people[0],
        cohort=cohort,
        recruit_id=recruit.pk,
        panel_ids=[people[1][2].pk, people[1][3].pk],
        rubric_version_id=rubric.pk,
        scheduled_at=WHEN.replace(month=3),
    )
    url = reverse("evaluation_defence_score", args=[later.pk])
    post_as(client, people[1][2], url, sheet([3, 3, 3, 3]))
    post_as(client, people[1][3], url, sheet([3, 4, 3, 3]))
    certificate = certification_evaluate(user_id=recruit.pk, course_id=course.pk)
    assert certificate is not None
    assert certificate.scores["defence"] == {"passed": True}
    assert Certificate.objects.count() == 1


# --- query counts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("panel_size", [2, 4])
def test_defence_pages_read_a_fixed_number_of_queries(
    client, cohort, people, recruit, rubric, panel_size, django_assert_num_queries
):
    defence = schedule(cohort, people, recruit, rubric, panel_size=panel_size)
    url = reverse("evaluation_defence_score", args=[defence.pk])
    for judge in people[1][:panel_size]:
        post_as(client, judge, url, sheet([3, 3, 2, 4]))
    post_as(
        client,
        people[1][0],
        reverse("evaluation_defence_change", args=[defence.pk]),
        {"criterion": "results", "level": 1, "reason": "复核"},
    )
    page = reverse("evaluation_defence", args=[defence.pk])
    # session, user, defence, panel, then sheets and changes for those who may see them
    for who, count in ((people[1][0], 6), (people[0], 6), (recruit, 4)):
        client.force_login(who)
        with django_assert_num_queries(count):
            assert client.get(page).status_code == 200
    client.force_login(people[1][0])
    with django_assert_num_queries(4):  # session, user, seats, own defences (none: no panel prefetch)
        assert client.get(reverse("evaluation_defences")).status_code == 200
    client.force_login(recruit)
    with django_assert_num_queries(5):  # session, user, seats, own defences and their panels
        assert client.get(reverse("evaluation_defences")).status_code == 200


def test_the_panels_notification_reads_in_each_readers_language(cohort, people, recruit, rubric):
    from django.utils import translation

    from notifications.texts import notification_text

    defence = schedule(cohort, people, recruit, rubric, panel_size=2)
    note = Notification.objects.filter(kind=Kind.DEFENCE_SCHEDULED, key=f"defence:{defence.pk}").first()
    assert note.url == reverse("evaluation_defence", args=[defence.pk])
    with translation.override("en"):
        title, body = notification_text(note)
    assert title == f"Defence panel: {recruit}"
    assert "Jan. 15, 2027" in body
    with translation.override("zh-hans"):
        title, body = notification_text(note)
    assert title == f"答辩评审：{recruit}"
    assert "2027年1月15日" in body
