"""Trainer authoring pages: who may see them, the live preview, drafts, the diff, publishing, and precedence
between modules edited in the site and the content/ files."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import Role
from assessments.models import Question, QuestionVersion
from courses.author_selectors import content_sources, draft_check, preview_build
from courses.authoring.specs import Module as ModuleSpec
from courses.models import Lesson, Module, ModuleDraft, ModuleVersion, Origin
from tests.conftest import FIXTURE_CONTENT

pytestmark = pytest.mark.django_db

SOURCE = (FIXTURE_CONTENT / "modules" / "demo-basics.md").read_text(encoding="utf-8")
WRITES = ("INSERT", "UPDATE", "DELETE")
SLUG = "demo-basics"

# An edit that changes a question, adds one, retires one and changes a lesson.
NEW_QUESTION = """::: question q-retention
type: short

留存率衡量的是什么？[[一段时间后仍然活跃的成员比例|留存比例]]

explanation: 留存看的是一段时间后还在的人。
:::
"""


def edited(source: str = SOURCE) -> str:
    start = source.index("::: question q-true-false")
    end = source.index(":::\n", source.index("explanation: 活跃度")) + 4
    text = source[:start] + NEW_QUESTION + source[end:]
    text = text.replace("任何人数超过 500 的群", "任何人数超过 1000 的群")
    return text.replace(
        "拉新、促活、留存、转化是社群运营的四个核心指标。", "拉新、促活、留存、转化是四个核心指标。"
    )


def versions_of(slug: str) -> int:
    return ModuleVersion.objects.filter(module__slug=slug).count()


def writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in WRITES]


@pytest.fixture(autouse=True)
def content_root(settings, tmp_path) -> Path:
    """A private copy of the fixture content/ folder as CONTENT_ROOT."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    settings.CONTENT_ROOT = root
    return root


@pytest.fixture
def trainer(django_user_model):
    return django_user_model.objects.create_user(
        email="trainer@example.com", password="pw-trainer-123", role=Role.TRAINER, display_name="王老师"
    )


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    client.cookies["django_language"] = "en"  # assertions read the English interface strings
    return client


def save_draft(client, slug: str, source: str, stamp: str = "", action: str = "save"):
    return client.post(
        reverse("author_edit", args=[slug]),
        {"source": source, "stamp": stamp, "slug": slug, "action": action},
    )


def publish(client, slug: str, **extra):
    stamp = client.get(reverse("author_diff", args=[slug])).context["review"].stamp
    return client.post(reverse("author_publish", args=[slug]), {"stamp": stamp, **extra})


# ---------------------------------------------------------------- who may see the pages


def author_requests(slug: str) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("author_modules"), {}),
        ("get", reverse("author_new"), {}),
        ("post", reverse("author_new"), {"source": SOURCE.replace("demo-basics", "another")}),
        ("post", reverse("author_preview"), {"source": SOURCE, "slug": slug}),
        ("get", reverse("author_module", args=[slug]), {}),
        ("get", reverse("author_edit", args=[slug]), {}),
        ("post", reverse("author_edit", args=[slug]), {"source": SOURCE, "action": "save"}),
        ("get", reverse("author_diff", args=[slug]), {}),
        ("post", reverse("author_publish", args=[slug]), {"stamp": "x"}),
        ("get", reverse("author_source", args=[slug, 2]), {}),
    ]


@pytest.fixture
def with_site_version(imported, django_user_model):
    """demo-basics at v2 edited in the site, plus an open draft."""
    admin = django_user_model.objects.create_user(
        email="a@example.com", password="pw-a-123456", is_staff=True
    )
    from courses.author_services import module_draft_publish, module_draft_save

    draft = module_draft_save(acting_user=admin, slug="demo-basics", source=edited(), stamp="")
    from courses.author_selectors import draft_stamp

    module_draft_publish(acting_user=admin, slug="demo-basics", stamp=draft_stamp(draft))
    module_draft_save(acting_user=admin, slug="demo-basics", source=edited() + "\n补充。\n", stamp="")
    return imported


@pytest.mark.parametrize("role", ["anonymous", "recruit", "manager"])
def test_author_pages_are_hidden_from_everybody_but_trainers_and_admins(
    client, django_user_model, with_site_version, role
):
    if role != "anonymous":
        user = django_user_model.objects.create_user(
            email=f"{role}@example.com", password="pw-role-12345", role=getattr(Role, role.upper())
        )
        client.force_login(user)
    versions, drafts = versions_of(SLUG), list(ModuleDraft.objects.values_list("source", flat=True))
    for method, url, data in author_requests("demo-basics"):
        response = getattr(client, method)(url, data)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("account_login")), url
        else:
            assert response.status_code == 404, url
    assert versions_of(SLUG) == versions
    assert list(ModuleDraft.objects.values_list("source", flat=True)) == drafts


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_trainers_and_admins_reach_every_author_page(client, django_user_model, with_site_version, role):
    extra = {"role": Role.TRAINER} if role == "trainer" else {"is_staff": True}
    client.force_login(
        django_user_model.objects.create_user(email="t@example.com", password="pw-t-12345", **extra)
    )
    for method, url, data in author_requests("demo-basics"):
        response = getattr(client, method)(url, data)
        # A save with a stale stamp is refused (400), the wrong publish stamp goes back to the diff (302).
        assert response.status_code in (200, 302, 400), (url, response.status_code)
        assert response.status_code != 404, url
    page = client.get(reverse("catalogue")).content.decode()
    assert reverse("author_modules") in page  # the nav link


def test_publish_and_preview_need_the_csrf_token(trainer, imported):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer)
    from courses.author_services import module_draft_save

    module_draft_save(acting_user=trainer, slug=SLUG, source=edited(), stamp="")
    stamp = client.get(reverse("author_diff", args=[SLUG])).context["review"].stamp
    assert client.post(reverse("author_publish", args=[SLUG]), {"stamp": stamp}).status_code == 403
    assert client.post(reverse("author_preview"), {"source": SOURCE}).status_code == 403
    assert versions_of(SLUG) == 1


def test_editor_asks_for_a_live_preview_as_the_trainer_types(trainer_client, imported):
    page = trainer_client.get(reverse("author_edit", args=[SLUG])).content.decode()
    assert f'hx-post="{reverse("author_preview")}"' in page
    assert 'hx-trigger="input changed delay:600ms"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_nav_link_is_not_shown_to_recruits(recruit_client, imported):
    assert reverse("author_modules") not in recruit_client.get(reverse("catalogue")).content.decode()


# ---------------------------------------------------------------- preview


BROKEN = SOURCE.replace("level: junior", "level: wizard").replace(
    "- [x] 错误\n", "- [ ] 错误\n"
)  # line 8: an unknown level; q-true-false: no correct choice


def test_preview_shows_errors_with_line_numbers_and_source_lines_and_writes_nothing(
    trainer_client, imported, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4) as ctx:
        response = trainer_client.post(reverse("author_preview"), {"source": BROKEN, "slug": "demo-basics"})
    assert response.status_code == 200
    assert writes(ctx) == []
    preview = response.context["preview"]
    errors = {(m.line, m.text) for m in preview.check.errors}
    level_line = BROKEN.splitlines().index("level: wizard") + 1
    assert (level_line, "level 'wizard' must be one of junior, intermediate, senior, manager") in errors
    question_line = BROKEN.splitlines().index("::: question q-true-false") + 1
    assert any(line == question_line and "needs exactly one" in text for line, text in errors)
    rows = {row.message.line: row.source_line for row in preview.check.rows}
    assert rows[level_line] == "level: wizard"
    page = response.content.decode()
    assert f'data-goto-line="{level_line}"' in page
    assert "level: wizard" in page
    assert not ModuleDraft.objects.exists()
    assert versions_of(SLUG) == 1


def test_preview_shows_the_recruit_view_beside_the_answer_key(trainer_client, imported):
    response = trainer_client.post(reverse("author_preview"), {"source": edited(), "slug": "demo-basics"})
    page = response.content.decode()
    preview = response.context["preview"]
    assert not preview.check.errors
    assert [lesson.id for lesson in preview.lessons] == ["what-is-a-community", "metrics"]
    assert "<strong>共同兴趣</strong>" in page  # the lesson, rendered
    assert 'type="radio"' in page  # the recruit's form
    short = next(q for q in preview.quizzes[0].questions if q.key["id"] == "q-retention")
    assert short.key["accepted"] == ["一段时间后仍然活跃的成员比例", "留存比例"]
    assert "accepted" not in short.question  # the recruit's half carries no answer key
    assert "<code>留存比例</code>" in page
    assert "正确：共同点和持续互动缺一不可。" in page  # choice feedback
    assert "社群的核心是关系与互动" in page  # explanation
    assert page.count('data-testid="preview-question"') == 3


def test_preview_of_oversized_or_nul_text_says_so(trainer_client, imported):
    big = SOURCE + "x" * 1_000_001
    response = trainer_client.post(reverse("author_preview"), {"source": big, "slug": "demo-basics"})
    assert response.status_code == 200
    assert "1,000,000" in response.content.decode()
    response = trainer_client.post(
        reverse("author_preview"), {"source": SOURCE + "\x00", "slug": "demo-basics"}
    )
    assert "Null characters are not allowed." in response.content.decode()


def test_draft_that_closes_a_prerequisite_cycle_is_an_error_on_its_own_line():
    other = ModuleSpec(
        slug="b", title="B", skill_area="growth", level="junior", prerequisites=["demo-basics"]
    )
    source = SOURCE.replace("prerequisites: []", "prerequisites: [b]")
    check = draft_check(source=source, slug="demo-basics", others=[other])
    line = source.splitlines().index("prerequisites: [b]") + 1
    assert [(m.line, m.text) for m in check.errors] == [
        (line, "prerequisites form a cycle: b → demo-basics → b")
    ] or [(m.line, m.text) for m in check.errors] == [
        (line, "prerequisites form a cycle: demo-basics → b → demo-basics")
    ]
    assert not draft_check(source=SOURCE, slug="demo-basics", others=[other]).errors


def test_draft_check_refuses_a_changed_slug_and_unknown_prerequisites():
    source = SOURCE.replace("slug: demo-basics", "slug: renamed").replace(
        "prerequisites: []", "prerequisites: [nope]"
    )
    texts = [m.text for m in draft_check(source=source, slug="demo-basics", others=[]).errors]
    assert any("is not this module's slug" in t for t in texts)
    assert "prerequisite 'nope' is not a module in content/" in texts


def test_preview_reuses_rendering_only_for_unchanged_content():
    from courses.author_selectors import question_record

    first = draft_check(source=SOURCE, slug=SLUG, others=[]).spec.quizzes[0].questions[0]
    moved = draft_check(
        source=SOURCE.replace("这是测试模块的简介。", "简介。\n\n更多简介。"), slug=SLUG, others=[]
    )
    moved_q = moved.spec.quizzes[0].questions[0]
    assert moved_q.line == first.line + 2
    assert question_record(moved_q) is question_record(first)  # same content, new lines: reused
    changed = draft_check(source=SOURCE.replace("任何人数超过 500 的群", "任何群"), slug=SLUG, others=[])
    record = question_record(changed.spec.quizzes[0].questions[0])
    assert "任何群" in record["choices"][1]["html"]
    assert record["choices"][1]["html"] != question_record(first)["choices"][1]["html"]


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [*SOURCE.splitlines(), "::: quiz q", ":::", "::: question x", "- [x] a", "[[1..2]]", "---"]
        ),
        max_size=60,
    )
)
def test_any_text_previews_without_error_and_messages_point_at_real_lines(lines):
    source = "\n".join(lines)
    check = draft_check(source=source, slug="demo-basics", others=[])
    preview_build(check)
    count = len(source.split("\n"))
    assert all(1 <= m.line <= count for m in check.messages)
    assert all(m.path == "site:demo-basics.md" for m in check.messages)


# ---------------------------------------------------------------- editing, diff, publishing


def test_editor_opens_with_the_content_file_and_saves_a_draft(trainer_client, trainer, imported):
    page = trainer_client.get(reverse("author_edit", args=["demo-basics"]))
    assert page.context["start"].started_from == "content"
    assert page.context["form"]["source"].value() == SOURCE
    response = save_draft(trainer_client, "demo-basics", edited().replace("\n", "\r\n"), action="review")
    assert response.status_code == 302
    assert response.url == reverse("author_diff", args=["demo-basics"])
    draft = ModuleDraft.objects.get(slug="demo-basics")
    assert draft.source == edited()  # line endings normalised
    assert draft.author == trainer
    assert draft.base_version == imported.current_version
    assert versions_of(SLUG) == 1  # nothing published


def test_diff_lists_questions_added_changed_retired_and_lessons_changed(trainer_client, imported):
    save_draft(trainer_client, "demo-basics", edited())
    diff = trainer_client.get(reverse("author_diff", args=["demo-basics"])).context["review"].diff
    assert [c.key for c in diff.questions_added] == ["q-retention"]
    assert [c.key for c in diff.questions_changed] == ["q-definition"]
    assert [c.key for c in diff.questions_retired] == ["q-true-false"]
    assert diff.questions_unchanged == 1
    assert [c.key for c in diff.lessons_changed] == ["metrics"]
    assert diff.lessons_added == diff.lessons_removed == []
    assert diff.fields == []


def test_diff_of_a_draft_with_errors_offers_no_publish_button(trainer_client, imported):
    save_draft(trainer_client, "demo-basics", BROKEN)
    response = trainer_client.get(reverse("author_diff", args=["demo-basics"]))
    assert response.context["review"].diff is None
    assert reverse("author_publish", args=["demo-basics"]) not in response.content.decode()
    assert publish(trainer_client, "demo-basics").url == reverse("author_diff", args=["demo-basics"])
    assert versions_of(SLUG) == 1


def test_publish_creates_a_site_version_and_keeps_history(trainer_client, trainer, imported):
    position = imported.position
    save_draft(trainer_client, "demo-basics", edited())
    response = publish(trainer_client, "demo-basics")
    assert response.status_code == 302
    module = Module.objects.select_related("current_version").get(slug="demo-basics")
    version = module.current_version
    assert (version.number, version.origin, version.source, version.published_by) == (
        2,
        Origin.SITE,
        edited(),
        trainer,
    )
    assert module.position == position
    assert not ModuleDraft.objects.exists()
    assert Question.objects.get(module=module, key="q-true-false").retired_at is not None
    assert QuestionVersion.objects.filter(question__key="q-definition").count() == 2
    assert "四个核心指标" in Lesson.objects.get(version=version, key="metrics").body_html
    history = trainer_client.get(reverse("author_module", args=["demo-basics"]))
    rows = [(v.number, v.origin, v.n_questions) for v in history.context["history"].versions]
    assert rows == [(2, "site", 3), (1, "content", 3)]
    page = history.content.decode()
    assert "王老师" in page
    source = trainer_client.get(reverse("author_source", args=["demo-basics", 2]))
    assert source.content.decode() == edited()
    assert trainer_client.get(reverse("author_source", args=["demo-basics", 1])).status_code == 404


def test_double_submitted_publish_creates_one_version_and_writes_nothing_the_second_time(
    trainer_client, imported, django_assert_max_num_queries
):
    save_draft(trainer_client, "demo-basics", edited())
    stamp = trainer_client.get(reverse("author_diff", args=["demo-basics"])).context["review"].stamp
    url = reverse("author_publish", args=["demo-basics"])
    assert trainer_client.post(url, {"stamp": stamp}).status_code == 302
    with django_assert_max_num_queries(10) as ctx:
        second = trainer_client.post(url, {"stamp": stamp})
    assert second.status_code == 302
    assert writes(ctx) == []
    assert ModuleVersion.objects.filter(module=imported).count() == 2


def test_republishing_identical_text_creates_no_version(trainer_client, imported):
    save_draft(trainer_client, "demo-basics", edited())
    publish(trainer_client, "demo-basics")
    counts = (versions_of(SLUG), Lesson.objects.count(), QuestionVersion.objects.count())
    save_draft(trainer_client, "demo-basics", edited())
    response = publish(trainer_client, "demo-basics")
    assert response.status_code == 302
    assert (versions_of(SLUG), Lesson.objects.count(), QuestionVersion.objects.count()) == counts
    assert not ModuleDraft.objects.exists()
    messages = [str(m) for m in trainer_client.get(reverse("author_modules")).context["messages"]]
    assert messages == ["Nothing to publish: the current version already has exactly this text."]


def test_publishing_the_content_files_own_text_makes_no_version(trainer_client, imported):
    save_draft(trainer_client, SLUG, SOURCE + "\n\n")  # blank lines at the end do not count
    review = trainer_client.get(reverse("author_diff", args=[SLUG])).context["review"]
    assert review.same_as_published
    assert review.diff.is_empty
    publish(trainer_client, SLUG)
    current = Module.objects.get(slug=SLUG).current_version
    assert (versions_of(SLUG), current.origin) == (1, Origin.CONTENT)
    assert not ModuleDraft.objects.exists()


def test_a_version_published_since_the_draft_started_is_never_replaced_silently(
    trainer_client, imported, content_root
):
    save_draft(trainer_client, "demo-basics", edited())
    path = content_root / "modules" / "demo-basics.md"
    path.write_text(SOURCE.replace("社群入门", "社群基础"), encoding="utf-8")
    call_command("import_content", "--root", str(content_root), stdout=io.StringIO())
    assert Module.objects.get(slug="demo-basics").current_version.number == 2
    response = publish(trainer_client, "demo-basics")
    assert response.url == reverse("author_diff", args=["demo-basics"])
    assert versions_of(SLUG) == 2
    assert ModuleDraft.objects.exists()
    page = trainer_client.get(reverse("author_diff", args=["demo-basics"])).content.decode()
    assert 'name="replace_newer"' in page
    publish(trainer_client, "demo-basics", replace_newer="on")
    current = Module.objects.get(slug="demo-basics").current_version
    assert (current.number, current.origin) == (3, Origin.SITE)


def test_a_draft_saved_by_somebody_else_meanwhile_is_not_overwritten(
    trainer_client, imported, client, django_user_model
):
    save_draft(trainer_client, "demo-basics", edited())
    opened = trainer_client.get(reverse("author_edit", args=["demo-basics"])).context["start"].stamp
    other = django_user_model.objects.create_user(
        email="o@example.com", password="pw-o-123456", is_staff=True
    )
    client.force_login(other)
    assert save_draft(client, "demo-basics", edited() + "\n他的修改\n", stamp=opened).status_code == 302
    response = save_draft(trainer_client, "demo-basics", edited() + "\n我的修改\n", stamp=opened)
    assert response.status_code == 400
    assert "saved this draft at" in response.content.decode()
    assert ModuleDraft.objects.get().source.endswith("他的修改\n")


def test_discarding_a_draft_leaves_the_published_version(trainer_client, imported):
    save_draft(trainer_client, "demo-basics", edited())
    response = trainer_client.post(reverse("author_edit", args=["demo-basics"]), {"action": "discard"})
    assert response.status_code == 302
    assert not ModuleDraft.objects.exists()
    assert Module.objects.get(slug="demo-basics").current_version.number == 1


def test_a_new_module_is_drafted_then_published_after_the_others(trainer_client, imported):
    source = SOURCE.replace("slug: demo-basics", "slug: site-made").replace(
        "prerequisites: []", "prerequisites: [demo-basics]"
    )
    response = trainer_client.post(reverse("author_new"), {"source": source, "action": "save"})
    assert response.url == reverse("author_edit", args=["site-made"])
    again = trainer_client.post(reverse("author_new"), {"source": source, "action": "save"})
    assert again.status_code == 400
    assert "A module or draft with the slug &#x27;site-made&#x27; already exists" in again.content.decode()
    publish(trainer_client, "site-made")
    module = Module.objects.get(slug="site-made")
    assert module.current_version.origin == Origin.SITE
    assert module.position > Module.objects.get(slug="demo-basics").position
    assert trainer_client.get(reverse("module_detail", args=["site-made"])).status_code == 200


# ---------------------------------------------------------------- uploads


def upload(client, slug: str, name: str, data: bytes):
    return client.post(
        reverse("author_edit", args=[slug]),
        {
            "action": "upload",
            "stamp": "",
            "file": SimpleUploadedFile(name, data, content_type="text/markdown"),
        },
    )


def test_upload_of_a_non_utf8_file_is_refused_clearly(trainer_client, imported):
    response = upload(trainer_client, "demo-basics", "gbk.md", SOURCE.encode("gbk"))
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert not ModuleDraft.objects.exists()


def test_upload_over_one_megabyte_is_refused_clearly(trainer_client, imported):
    response = upload(trainer_client, "demo-basics", "big.md", SOURCE.encode() + b"x" * 1_000_000)
    assert response.status_code == 400
    assert "1,000,000" in response.content.decode()
    assert not ModuleDraft.objects.exists()


def test_upload_of_a_non_markdown_file_is_refused(trainer_client, imported):
    response = upload(trainer_client, "demo-basics", "module.exe", SOURCE.encode())
    assert response.status_code == 400
    assert ".md" in response.content.decode()


def test_uploaded_script_is_kept_as_text_and_sanitised_in_the_preview(trainer_client, imported):
    hostile = SOURCE.replace(
        "- 有共同点",
        '- 有共同点 <script>alert("x")</script> <a href="javascript:alert(1)" onclick="x()">链</a>',
    ).replace(
        "# 什么是社群 {#what-is-a-community}", "# 什么是<script>alert(2)</script> {#what-is-a-community}"
    )
    response = upload(trainer_client, "demo-basics", "m.md", ("\ufeff" + hostile).encode())
    assert response.status_code == 302
    assert ModuleDraft.objects.get().source == hostile  # BOM dropped, text kept as written
    page = trainer_client.get(reverse("author_edit", args=["demo-basics"])).content.decode()
    editor, preview = page.split('<div id="preview"', 1)
    assert "<script>alert" not in page
    # The editor shows the text as text; the preview shows it rendered and sanitised.
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in editor
    assert "onclick" not in preview
    assert "javascript:" not in preview
    assert "什么是&lt;script&gt;alert(2)&lt;/script&gt;" in preview  # a title is text, escaped
    assert '<a rel="noopener noreferrer">链</a>' in preview


# ---------------------------------------------------------------- precedence: content/ versus the site


def test_import_content_keeps_site_versions_unless_forced(trainer_client, imported, content_root):
    save_draft(trainer_client, "demo-basics", edited())
    publish(trainer_client, "demo-basics")
    path = content_root / "modules" / "demo-basics.md"
    path.write_text(SOURCE.replace("社群入门", "社群基础"), encoding="utf-8")
    out = io.StringIO()
    call_command("import_content", "--root", str(content_root), stdout=out)
    assert "kept (edited in site) demo-basics" in out.getvalue()
    assert "1 kept" in out.getvalue()
    current = Module.objects.get(slug="demo-basics").current_version
    assert (current.number, current.origin) == (2, Origin.SITE)

    page = trainer_client.get(reverse("author_module", args=["demo-basics"])).content.decode()
    assert "王老师" in page
    assert (
        trainer_client.get(reverse("author_module", args=["demo-basics"])).context["history"].status.state
        == "site_differs"
    )
    listing = trainer_client.get(reverse("author_modules")).context["rows"]
    assert {r.slug: r.status.state for r in listing}[SLUG] == "site_differs"

    out = io.StringIO()
    call_command("import_content", "--root", str(content_root), "--force-files", stdout=out)
    assert "published demo-basics v3" in out.getvalue()
    current = Module.objects.get(slug="demo-basics").current_version
    assert (current.number, current.origin, current.title) == (3, Origin.CONTENT, "测试模块：社群基础")
    history = trainer_client.get(reverse("author_module", args=["demo-basics"])).context["history"]
    assert history.status.state == "in_sync"


def test_content_file_with_the_site_text_is_reported_as_matching(trainer_client, imported, content_root):
    save_draft(trainer_client, "demo-basics", edited())
    publish(trainer_client, "demo-basics")
    (content_root / "modules" / "demo-basics.md").write_text(edited(), encoding="utf-8")
    assert content_sources()["demo-basics"].text.strip() == edited().strip()
    history = trainer_client.get(reverse("author_module", args=["demo-basics"])).context["history"]
    assert history.status.state == "site_matches"


def test_folder_modules_open_in_the_editor_as_one_file(trainer_client, trainer, content_root):
    folder = content_root / "modules" / "folder-mod"
    folder.mkdir()
    head, rest = SOURCE.split("# 什么是社群", 1)
    (folder / "module.md").write_text(head.replace("demo-basics", "folder-mod"), encoding="utf-8")
    (folder / "01-lessons.md").write_text("# 什么是社群" + rest, encoding="utf-8")
    (content_root / "modules" / "demo-basics.md").unlink()
    call_command("import_content", "--root", str(content_root), stdout=io.StringIO())
    start = trainer_client.get(reverse("author_edit", args=["folder-mod"])).context["start"]
    assert start.started_from == "content"
    check = draft_check(source=start.text, slug="folder-mod", others=[])
    assert not check.errors
    assert [q.id for q in check.spec.quizzes[0].questions] == ["q-definition", "q-kpis", "q-true-false"]


# ---------------------------------------------------------------- query counts


# +1 on the pages that validate a draft: the published tracks decide which quizzes follow certification rules.
# Full pages include the header's review-queue badge: one COUNT (the preview fragment does not render it).
PINNED = {"list": 5, "history": 6, "edit": 7, "new": 5, "diff": 9, "preview": 4}


def author_pages(client) -> dict[str, tuple[str, str, dict]]:
    return {
        "list": ("get", reverse("author_modules"), {}),
        "history": ("get", reverse("author_module", args=["demo-basics"]), {}),
        "edit": ("get", reverse("author_edit", args=["demo-basics"]), {}),
        "new": ("get", reverse("author_new"), {}),
        "diff": ("get", reverse("author_diff", args=["demo-basics"]), {}),
        "preview": ("post", reverse("author_preview"), {"source": edited(), "slug": "demo-basics"}),
    }


def test_author_page_query_counts_are_pinned_and_do_not_grow(
    trainer_client, imported, django_assert_num_queries
):
    save_draft(trainer_client, "demo-basics", edited())
    for name, (method, url, data) in author_pages(trainer_client).items():
        with django_assert_num_queries(PINNED[name]):
            assert getattr(trainer_client, method)(url, data).status_code == 200, name
    publish(trainer_client, "demo-basics")
    for n in range(3):
        save_draft(trainer_client, "demo-basics", edited().replace("四个核心指标", f"四个核心指标（{n}）"))
        assert publish(trainer_client, "demo-basics").url == reverse("author_module", args=[SLUG])
    save_draft(trainer_client, "demo-basics", edited())
    assert versions_of(SLUG) == 5
    for name, (method, url, data) in author_pages(trainer_client).items():
        with django_assert_num_queries(PINNED[name]):
            assert getattr(trainer_client, method)(url, data).status_code == 200, name


def test_a_module_a_certification_track_requires_cannot_be_published_while_it_gives_its_key_away(
    trainer_client, imported
):
    from courses.models import Course

    preview = trainer_client.post(reverse("author_preview"), {"source": edited(), "slug": "demo-basics"})
    assert not [m for m in preview.context["preview"].check.errors if "certification track" in m.text]
    Course.objects.create(
        slug="cert-track",
        title="认证",
        level="junior",
        certification={"modules": ["demo-basics"], "drills": []},
    )
    preview = trainer_client.post(reverse("author_preview"), {"source": edited(), "slug": "demo-basics"})
    errors = [m.text for m in preview.context["preview"].check.errors]
    # The certification rules speak for a required quiz (its draw, bank, attempts and answer display).
    assert any("required by a certification track" in text and "draw must be" in text for text in errors)
    save_draft(trainer_client, "demo-basics", edited())
    before = versions_of("demo-basics")
    publish(trainer_client, "demo-basics")
    assert versions_of("demo-basics") == before


def test_the_preview_flags_a_quiz_a_guesser_passes_in_red_with_the_strategy(trainer_client, imported):
    from tests.unit.authoring.test_lint import SOURCE as GUESSABLE

    response = trainer_client.post(reverse("author_preview"), {"source": GUESSABLE, "slug": ""})
    html = response.content.decode()
    flagged = html.split('data-testid="guessable">')
    assert len(flagged) == 2
    assert "longest 100%" in flagged[1].split("</p>")[0]
    no_quiz = GUESSABLE.split("::: quiz")[0]
    plain = trainer_client.post(reverse("author_preview"), {"source": no_quiz, "slug": ""})
    assert plain.status_code == 200
    assert 'data-testid="guessable"' not in plain.content.decode()


def test_editor_and_history_pages_are_titled_by_the_module_title_not_its_slug(trainer_client, imported):
    save_draft(trainer_client, SLUG, edited())
    shown = imported.title_en  # the test client speaks English
    assert shown
    for name in ("author_edit", "author_module", "author_diff"):
        html = trainer_client.get(reverse(name, args=[SLUG])).content.decode()
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        heading = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
        for text in (title, heading):
            assert shown in text, name
            assert SLUG not in text, name


@pytest.mark.parametrize(
    ("language", "level_text", "choice_text", "lesson_text"),
    [
        (
            "zh-hans",
            "level“wizard”必须是以下之一：junior, intermediate, senior, manager",
            "truefalse 题“q-true-false”需要恰好一个 `- [x]` 选项，现在有 0 个",
            "课时 id“bad id”无效：只能使用字母、数字、'-' 和 '_'",
        ),
        (
            "en",
            "level 'wizard' must be one of junior, intermediate, senior, manager",
            "truefalse question 'q-true-false' needs exactly one `- [x]` choice, not 0",
            "bad lesson id 'bad id': use letters, digits, '-' and '_'",
        ),
    ],
    ids=["zh-hans", "en"],
)
def test_preview_shows_parser_and_validator_messages_in_the_readers_language(
    trainer_client, imported, language, level_text, choice_text, lesson_text
):
    source = BROKEN.replace("{#metrics}", "{#bad id}")  # a syntax error beside the two validator errors
    trainer_client.cookies["django_language"] = language
    response = trainer_client.post(reverse("author_preview"), {"source": source, "slug": "demo-basics"})
    assert response.status_code == 200
    items: dict[str, str] = {}  # line -> the messages shown for it
    for item in response.content.decode().split('data-testid="message"')[1:]:
        line = item.split('data-goto-line="')[1].split('"')[0]
        items[line] = items.get(line, "") + item.split("</li>")[0]
    lines = source.splitlines()
    assert escape(level_text) in items[str(lines.index("level: wizard") + 1)]
    assert escape(choice_text) in items[str(lines.index("::: question q-true-false") + 1)]
    assert escape(lesson_text) in items[str(lines.index("# 社群运营的指标 {#bad id}") + 1)]
    # What the command line and the logs read stays English whatever the page's language.
    texts = {m.text for m in response.context["preview"].check.errors}
    assert "level 'wizard' must be one of junior, intermediate, senior, manager" in texts
