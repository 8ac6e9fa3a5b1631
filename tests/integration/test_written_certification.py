"""A written drill a certification track requires is always reviewed, whatever its file says; its marked
samples, facts, forbidden claims and levels are stored with the drill for the server."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from assessments.grading.rubric import level_points
from assessments.models import Attempt, AttemptStatus, Drill, DrillReview, ReviewStatus
from courses.authoring.loader import load_tree
from courses.services import ContentError, content_import

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "written"


def content(
    tmp_path: Path, *, track: bool, replace: tuple[str, str] = ("review: always", "review: auto")
) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    if not track:
        (root / "courses" / "crisis-track.md").unlink()
    path = root / "modules" / "written-demo.md"
    path.write_text(path.read_text(encoding="utf-8").replace(*replace), encoding="utf-8")
    return root


@pytest.mark.parametrize(("track", "review"), [(True, "always"), (False, "auto")])
def test_a_certification_drill_is_always_reviewed(tmp_path: Path, track: bool, review: str) -> None:
    content_import(tree=load_tree(content(tmp_path, track=track)))
    assert Drill.objects.get(key="outage-statement").data["review"] == review


def test_the_rubric_is_stored_for_the_server(tmp_path: Path) -> None:
    content_import(tree=load_tree(content(tmp_path, track=True)))
    data = Drill.objects.get(key="outage-statement").data
    assert [s["id"] for s in data["samples"]] == ["strong", "borderline", "failing"]
    assert data["samples"][0]["score"] == "12"
    assert data["tolerance"] == "15"
    facts = data["criteria"][1]
    assert facts["facts"] == [
        {
            "id": "refund-window",
            "pattern": r"48\s*(小时|个小时|h)|两天内",
            "reason": "没有写明“48 小时内退款”的时限。",
        }
    ]
    assert [f["id"] for f in facts["forbids"]] == ["promise-amount", "promise-tonight"]
    assert facts["levels"][3] == "时间、范围与退款时限全部准确"
    assert data["brief"].startswith("周六 14:00")


def test_a_bad_pattern_imports_nothing(tmp_path: Path) -> None:
    root = content(tmp_path, track=True, replace=("pattern: 今晚", "pattern: (今晚"))
    tree = load_tree(root)
    with pytest.raises(ContentError):
        content_import(tree=tree)
    assert not Drill.objects.filter(key="outage-statement").exists()


STATEMENT = (
    "各位会员，周六下午我们升级支付系统时出了问题，给大家带来了很大的不便，我们诚恳地向大家道歉。\n"
    "这次是我们自己的系统问题，责任在我们。\n"
    "当天下午有 214 笔订单被重复扣款，多扣的钱会在 48 小时内原路退回。\n"
    "明天中午前我们会在群里同步退款进度，有问题请联系客服。"
)


@pytest.mark.django_db(transaction=True)
def test_trainers_score_a_certification_drill_by_level(tmp_path: Path, client, recruit, trainer) -> None:
    content_import(tree=load_tree(content(tmp_path, track=True)))
    client.force_login(recruit)
    response = client.post(reverse("drill_detail", args=["written-demo", "outage-statement"]))
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": STATEMENT})
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.NEEDS_REVIEW  # a rubric score is only a suggestion here
    review = DrillReview.objects.get(attempt=attempt)
    assert review.reasons[0] == "always"

    client.force_login(trainer)
    page = client.get(reverse("trainer_review", args=[review.pk])).content.decode()
    assert "真诚道歉并说明影响与责任" in page  # the descriptor of level 4
    assert 'name="level_acknowledge"' in page
    assert 'name="score_acknowledge"' not in page
    bad = client.post(reverse("trainer_review", args=[review.pk]), {"level_acknowledge": "5"})
    assert bad.status_code == 400
    ok = client.post(
        reverse("trainer_review", args=[review.pk]),
        {"level_acknowledge": "4", "level_facts": "3", "level_next-steps": "1", "comment": "后续安排缺时间"},
    )
    assert ok.status_code == 302
    attempt.refresh_from_db()
    review.refresh_from_db()
    assert review.scores["facts"] == {"score": "2.67", "comment": "", "level": 3}
    assert review.scores["next-steps"]["score"] == "0.00"
    assert attempt.score == Decimal("6.67")
    client.force_login(recruit)
    result = client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "关键事实基本正确，遗漏一项" in result  # the recruit reads the level's descriptor


def test_a_level_is_points_times_level_minus_one_over_three(tmp_path: Path, trainer) -> None:
    content_import(tree=load_tree(content(tmp_path, track=True)))
    drill = Drill.objects.get(key="outage-statement")
    assert level_points(Decimal(drill.data["criteria"][0]["points"]), 3) == Decimal("2.67")
    with pytest.raises(ValueError, match="between 1 and 4"):
        level_points(Decimal(4), 0)


def _submitted(client, recruit, tmp_path: Path) -> DrillReview:
    content_import(tree=load_tree(content(tmp_path, track=True)))
    client.force_login(recruit)
    response = client.post(reverse("drill_detail", args=["written-demo", "outage-statement"]))
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": STATEMENT})
    return DrillReview.objects.get(attempt=attempt)


@pytest.mark.django_db(transaction=True)
def test_no_double_marking_when_the_share_is_zero(tmp_path: Path, client, recruit, settings) -> None:
    settings.DOUBLE_MARKING_SHARE = 0.0
    assert _submitted(client, recruit, tmp_path).double_marked is False


@pytest.mark.django_db(transaction=True)
def test_two_trainers_mark_independently_and_their_agreement_is_shown(
    tmp_path: Path, client, recruit, trainer, django_user_model, settings
) -> None:
    settings.DOUBLE_MARKING_SHARE = 1.0
    second = django_user_model.objects.create_user(
        email="trainer2@example.com", password="pw-trainer-2", role="trainer"
    )
    review = _submitted(client, recruit, tmp_path)
    assert review.double_marked is True
    url = reverse("trainer_review", args=[review.pk])
    first_marks = {
        "level_acknowledge": "4",
        "level_facts": "4",
        "level_next-steps": "2",
        "comment": "第一位的评语",
    }

    client.force_login(trainer)
    assert client.post(url, first_marks).status_code == 302
    review.refresh_from_db()
    review.attempt.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert review.attempt.status == AttemptStatus.NEEDS_REVIEW  # one mark is not a result
    assert review.attempt.score is None
    assert review.first_reviewer == trainer
    again = client.post(url, first_marks)
    assert again.status_code == 400
    assert "second trainer" in again.content.decode() or "另一位培训师" in again.content.decode()

    client.force_login(second)
    page = client.get(url).content.decode()
    assert "第一位的评语" not in page  # the second trainer cannot see the first's marks
    ok = client.post(
        url, {"level_acknowledge": "4", "level_facts": "2", "level_next-steps": "2", "comment": ""}
    )
    assert ok.status_code == 302
    review.refresh_from_db()
    attempt = review.attempt
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    # acknowledge agrees (4.00); facts 4.00 and 1.33 average to 2.67; next-steps agrees (1.33).
    assert review.scores["acknowledge"]["score"] == "4.00"
    assert review.scores["facts"]["score"] == "2.67"
    assert attempt.score == Decimal("8.00")

    queue = client.get(reverse("trainer_reviews")).content.decode()
    assert 'data-testid="agreement"' in queue
    assert "起草故障说明" in queue
    assert 'data-testid="kappa-low"' in queue  # one disagreement in three pairs of levels: kappa 0.4
