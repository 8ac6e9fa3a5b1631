"""A lesson in the browser: a task list as checkboxes, previous / next and the module's contents."""

from __future__ import annotations

import pytest

from courses.authoring.render import render_markdown
from courses.models import Lesson
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("device", "language"), [("desktop", "zh-hans"), ("phone", "en"), ("phone", "zh-hans")]
)
def test_a_lesson_with_a_task_list_and_its_contents(
    signed_in_as, live_server, imported, recruit, device, language
):
    lesson = Lesson.objects.get(version=imported.current_version, key="what-is-a-community")
    lesson.body_html += render_markdown("自查清单：\n\n- [x] 能说清群的共同点\n- [ ] 能判断群的类型与载体")
    lesson.save(update_fields=["body_html"])
    page = signed_in_as(recruit, device=device, language=language)
    page.goto(f"{live_server.url}/modules/{imported.slug}/lessons/{lesson.key}/")
    done = page.get_by_role("checkbox", name="能说清群的共同点")
    todo = page.get_by_role("checkbox", name="能判断群的类型与载体")
    assert done.is_checked()
    assert done.is_disabled()
    assert not todo.is_checked()
    current = page.locator(".lesson-contents [aria-current=page]")
    assert current.inner_text() == lesson.title
    page.locator("a[rel=next]").click()
    page.wait_for_url("**/lessons/metrics/")
    assert page.locator(".lesson-contents [aria-current=page]").inner_text() != lesson.title
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.go_back()
    shot(page, f"lesson-{device}-{language}")
