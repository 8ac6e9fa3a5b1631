"""The written answer's counter on the page shows the count the server checks (one definition)."""

from __future__ import annotations

import pytest

from assessments.grading.rubric import text_length

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRICKY = "好" * 20 + "👍" * 5 + "cafe\u0301 " + "\u3000\xa0\u200b\ufeff\n\t" + "𠀀" * 3 + "\x85"


def test_the_page_counts_a_tricky_answer_as_the_server_does(signed_in_as, live_server, drill_module, recruit):
    page = signed_in_as(recruit)
    page.goto(f"{live_server.url}/modules/drills-demo/drills/apology-reviewed/")
    page.get_by_role("button", name="开始演练").click()
    page.locator("#response-text").fill(TRICKY)
    expected = text_length(TRICKY)
    assert expected == 32
    assert page.locator("#response-count").inner_text().split()[0].rstrip("个字符") == str(expected)
