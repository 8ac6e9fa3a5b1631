"""trainingsite.db.rows_update writes exactly what bulk_update would, in one statement on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Response
from tests.integration.test_quiz_flow import start_attempt
from trainingsite.db import rows_update

pytestmark = pytest.mark.django_db

FIELDS = ["answer", "score", "max_score", "correct", "feedback_html", "details", "graded_with"]


def snapshot(ids):
    return list(Response.objects.filter(pk__in=ids).order_by("pk").values("pk", *FIELDS))


def test_rows_update_equals_bulk_update_for_every_field_type(recruit_client, imported):
    attempt = start_attempt(recruit_client, imported)
    responses = list(attempt.responses.select_related("question_version").order_by("pk"))
    assert len(responses) >= 3
    key = responses[0].question_version
    values = [
        # JSON answer and details with Chinese text and nesting, a decimal, a boolean, a foreign key…
        {"answer": ["c1", "c2"], "score": Decimal("1.50"), "correct": True, "feedback_html": "<p>对</p>",
         "details": {"说明": "全角：ＡＢＣ", "n": [1, 2.5, None]}, "graded_with": key},
        # …and every nullable one empty, with a quote that must stay text.
        {"answer": None, "score": None, "correct": None, "feedback_html": "it's \"quoted\"",
         "details": {}, "graded_with": None},
    ]  # fmt: skip
    for response, change in zip(responses, values, strict=False):
        for name, value in change.items():
            setattr(response, name, value)
        response.max_score = Decimal("2.00")
    changed = responses[: len(values)]
    with CaptureQueriesContext(connection) as ctx:
        assert rows_update(changed, FIELDS) == len(changed)
    ours = snapshot([r.pk for r in changed])
    if connection.vendor == "postgresql":
        assert len(ctx.captured_queries) == 1
    Response.objects.filter(pk__in=[r.pk for r in changed]).update(score=None, details={}, answer=None)
    Response.objects.bulk_update(changed, FIELDS)
    assert snapshot([r.pk for r in changed]) == ours
    assert ours[0]["details"]["说明"] == "全角：ＡＢＣ"
    assert ours[1]["feedback_html"] == 'it\'s "quoted"'
    untouched = responses[len(values)]
    assert Response.objects.get(pk=untouched.pk).score is None  # rows not passed are not written


def test_rows_update_splits_large_batches(recruit_client, imported, monkeypatch):
    from trainingsite import db

    monkeypatch.setattr(db, "CHUNK", 1)
    attempt = start_attempt(recruit_client, imported)
    responses = list(attempt.responses.order_by("pk"))
    for r in responses:
        r.feedback_html = f"row {r.pk}"
    assert rows_update(responses, ["feedback_html"]) == len(responses)
    assert [r.feedback_html for r in Response.objects.filter(attempt=attempt).order_by("pk")] == [
        f"row {r.pk}" for r in responses
    ]


def test_an_empty_batch_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rows_update([], ["score"]) == 0
