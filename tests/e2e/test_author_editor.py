"""The module editor in a browser: numbered source lines; each check message jumps to its line."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.author_services import module_draft_save
from tests.conftest import FIXTURE_CONTENT
from tests.e2e.conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)

SOURCE = (FIXTURE_CONTENT / "modules" / "demo-basics.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("language", "device"), [("zh-hans", "desktop"), ("en", "phone")])
def test_a_message_moves_the_caret_to_its_line_beside_numbered_lines(
    signed_in_as, live_server, imported, trainer, language, device
):
    lines = SOURCE.split("\n")
    planted = next(i for i, line in enumerate(lines) if line.startswith("level:"))
    lines[planted] = "level: 宇宙级"
    module_draft_save(acting_user=trainer, slug="demo-basics", source="\n".join(lines), stamp="")
    page = signed_in_as(trainer, device=device, language=language)
    page.goto(live_server.url + reverse("author_edit", args=["demo-basics"]))

    gutter = page.locator(".editor .gutter span")
    assert gutter.count() == len(lines)
    assert gutter.nth(planted).inner_text() == str(planted + 1)
    area = page.locator("#id_source")
    assert area.evaluate("a => a.getBoundingClientRect().top") == pytest.approx(
        gutter.first.evaluate("g => g.parentElement.getBoundingClientRect().top"), abs=1
    )

    message = page.locator("[data-testid=message]", has_text="宇宙级")
    message.locator("[data-goto-line]").click()
    start = sum(len(line) + 1 for line in lines[:planted])
    assert area.evaluate("a => a.selectionStart") == start
    assert area.evaluate("a => a.selectionEnd") == start + len(lines[planted])
    # The gutter scrolled with the source: the selected line's number is level with it.
    assert gutter.first.evaluate("g => g.parentElement.scrollTop") == area.evaluate("a => a.scrollTop")
    shot(page, f"author-editor-goto-{language}-{device}")
