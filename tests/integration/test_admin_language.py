"""The admin speaks the user's language: every section and model title is translated, none appears twice,
and a changelist's column headers follow the language too (#12.21)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.text import capfirst

pytestmark = pytest.mark.django_db


def index(client, language: str):
    client.cookies["django_language"] = language
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response


def titles(response) -> tuple[list[str], dict[str, list[str]]]:
    apps = response.context["app_list"]
    sections = [str(app["name"]) for app in apps]
    models = {str(app["name"]): [str(model["name"]) for model in app["models"]] for app in apps}
    return sections, models


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            {"用户与角色": "角色变更记录", "测评": "作答记录", "证书": "证书事件", "通知": "通知偏好"},
        ),
        (
            "en",
            {
                "Users and roles": "Role changes",
                "Assessments": "Attempts",
                "Certificates": "Certificate events",
                "Notifications": "Notification preferences",
            },
        ),
    ],
)
def test_admin_index_shows_translated_section_and_model_titles_once(admin_client, language, expected):
    response = index(admin_client, language)
    sections, models = titles(response)
    assert len(sections) == len(set(sections)), sections
    for section, names in models.items():
        assert len(names) == len(set(names)), (section, names)
    page = response.content.decode()
    for section, model in expected.items():
        assert model in models[section]
        assert section in page
        assert model in page


def test_every_admin_title_is_chinese_under_zh_hans(admin_client):
    sections, models = titles(index(admin_client, "zh-hans"))
    everything = [*sections, *(name for names in models.values() for name in names)]
    assert [title for title in everything if title.isascii()] == []


@pytest.mark.parametrize(
    ("language", "headers"),
    [
        ("zh-hans", ["新人", "测验", "作答序号", "状态", "提交时间", "评分时间", "评分尝试次数"]),
        ("en", ["recruit", "quiz", "attempt number", "status", "submitted at", "graded at", "grading tries"]),
    ],
)
def test_attempt_changelist_column_headers_follow_the_language(
    admin_client, recruit, imported, language, headers
):
    from assessments.models import Quiz
    from assessments.services import attempt_start

    attempt_start(user=recruit, quiz=Quiz.objects.filter(version__module=imported).first())
    admin_client.cookies["django_language"] = language
    response = admin_client.get(reverse("admin:assessments_attempt_changelist"))
    assert response.status_code == 200
    shown = [str(header["text"]) for header in response.context["result_headers"]]
    for header in headers:
        assert header in shown
        assert f">{capfirst(header)}<" in response.content.decode()  # the template capitalises
