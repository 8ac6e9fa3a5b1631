"""Exports hold exactly what the dashboard shows (same filters, same order, all pages): small ones stream from
the request, large ones run on the reports queue with a progress page, and only the requester downloads."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from courses import manager_services
from courses.models import Enrolment, ExportJob, ExportStatus
from tests.conftest import wait_for
from tests.integration.test_manager_helpers import (
    logged_in,
    make_cohort,
    make_course,
    make_user,
    table_emails,
    table_headers,
)

pytestmark = pytest.mark.django_db

FILTERS = {"sort": "-percent", "status": "in_progress", "skill": "", "overdue": ""}


@pytest.fixture
def course(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_course(tmp_path / "content", modules=3)


@pytest.fixture
def manager():
    return make_user("manager@example.com", Role.MANAGER)


def dashboard_rows(client, cohort, query: str) -> tuple[list[str], list[str]]:
    """Header and the emails of every page of the dashboard for ``query``."""
    url = reverse("manager_cohort", args=[cohort.pk])
    first = client.get(f"{url}?{query}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    emails = table_emails(first)
    pages = max([int(n) for n in re.findall(r"page=(\d+)", first)] or [1])
    for number in range(2, pages + 1):
        emails += table_emails(
            client.get(f"{url}?{query}&page={number}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        )
    return table_headers(first), emails


def export(client, cohort, file_format: str, **params):
    data = {**FILTERS, **params, "format": file_format}
    return client.post(reverse("manager_export", args=[cohort.pk]), data, HTTP_ACCEPT_LANGUAGE="en")


def test_csv_export_has_a_bom_and_the_dashboards_header_and_rows(course, manager):
    cohort = make_cohort(course, [manager], 120, seed=5, email_prefix="csv")
    client = logged_in(manager)
    header, emails = dashboard_rows(client, cohort, "sort=-percent&status=in_progress")
    assert len(emails) > 50  # more than one page
    response = export(client, cohort, "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:7] == header[:7]
    assert header[-1] == "Defence"
    # score, attempts, passed, tested out, overdue per module, then the defence's date, result and passed
    assert len(rows[0]) == 7 + 5 * (len(header) - 8) + 3
    assert rows[0][-3:] == ["Defence: date", "Defence: result (%)", "Defence: passed (1 = yes)"]
    assert [r[1] for r in rows[1:]] == emails


def test_xlsx_export_opens_in_a_spreadsheet_library_with_the_same_rows(course, manager):
    cohort = make_cohort(course, [manager], 70, seed=6, email_prefix="xlsx")
    client = logged_in(manager)
    header, emails = dashboard_rows(client, cohort, "sort=-percent&status=in_progress")
    response = export(client, cohort, "xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    assert rows[0][:7] == header[:7]
    assert [r[1] for r in rows[1:]] == emails
    e = Enrolment.objects.select_related("user").get(user__email=emails[0])
    assert rows[1][3] == float(e.percent)
    assert rows[1][0] == str(e.user)


def test_module_score_attempts_passed_and_overdue_are_number_cells(course, manager):
    from courses.models import CourseModule, ModuleProgress

    cohort = make_cohort(course, [manager], 12, seed=3, email_prefix="numbers")
    client = logged_in(manager)
    workbook = load_workbook(io.BytesIO(export(client, cohort, "xlsx", status="all").content))
    sheet = list(workbook.active.iter_rows(min_row=2))
    body = b"".join(export(client, cohort, "csv", status="all").streaming_content).decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(body)))[1:]
    first = CourseModule.objects.filter(course=course).order_by("position").first()
    progress = {
        p.user.email: p
        for p in ModuleProgress.objects.filter(module_id=first.module_id).select_related("user")
    }
    assert progress, "the generated cohort has progress rows"
    checked = 0
    for cells, row in zip(sheet, csv_rows, strict=True):
        email = cells[1].value
        score, attempts, passed, overdue = cells[7:11]
        assert [c.data_type for c in (attempts, passed, overdue)] == ["n", "n", "n"]
        assert overdue.value in (0, 1)
        if email in progress:
            p = progress[email]
            assert attempts.value == p.attempts == int(row[8])
            assert passed.value == int(p.passed)
            if p.score is not None:
                assert score.data_type == "n"
                assert score.value == float(p.score) == float(row[7])
                checked += 1
    assert checked > 0


def test_the_export_follows_the_skill_filter_and_speaks_the_managers_language(course, manager):
    cohort = make_cohort(course, [manager], 8, seed=1, email_prefix="lang")
    client = logged_in(manager)
    response = client.post(
        reverse("manager_export", args=[cohort.pk]),
        {"format": "csv", "skill": "management"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][7:] == [
        "模块 2：社群管理：得分（%）",
        "模块 2：社群管理：尝试次数",
        "模块 2：社群管理：已通过（1 = 是）",
        "模块 2：社群管理：免修通过（1 = 是）",
        "模块 2：社群管理：已逾期（1 = 是）",
        "转正答辩：日期",
        "转正答辩：结果（%）",
        "转正答辩：已通过（1 = 是）",
    ]
    assert len(rows) == 9


def test_text_that_a_spreadsheet_would_run_is_defused(course, manager):
    cohort = make_cohort(course, [manager], 2, seed=1, email_prefix="formula")
    Enrolment.objects.filter(cohort=cohort).first().user.__class__.objects.filter(
        email="formula-00000@example.com"
    ).update(display_name='=HYPERLINK("http://evil.example","x")')
    client = logged_in(manager)
    body = b"".join(export(client, cohort, "csv", status="all").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body
    workbook = load_workbook(io.BytesIO(export(client, cohort, "xlsx", status="all").content))
    values = [c.value for row in workbook.active.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in values
    assert not any(getattr(c, "data_type", "") == "f" for row in workbook.active.iter_rows() for c in row)


def test_bad_export_parameters_change_nothing(course, manager):
    cohort = make_cohort(course, [manager], 2, email_prefix="bad")
    client = logged_in(manager)
    response = export(client, cohort, "pdf")
    assert response.status_code == 302
    response = export(client, cohort, "csv", sort="nonsense")
    assert response.status_code == 302
    assert ExportJob.objects.count() == 0


def test_a_large_export_runs_as_a_job_with_progress_and_only_its_owner_downloads(
    course, manager, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(manager_services, "EXPORT_INLINE_MAX", 5)
    monkeypatch.setattr(manager_services, "EXPORT_CHUNK", 4)
    co_manager = make_user("co@example.com", Role.MANAGER)
    cohort = make_cohort(course, [manager, co_manager], 12, seed=2, email_prefix="job")
    client = logged_in(manager)
    header, emails = dashboard_rows(client, cohort, "sort=-percent")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = export(client, cohort, "xlsx", status="all")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("manager_export_job", args=[job.public_id])
    assert (job.status, job.total, job.params["sort"]) == (ExportStatus.PENDING, 12, "-percent")
    assert len(callbacks) == 1  # the task is queued after the commit
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="pending"' in page
    assert "hx-trigger" in page
    download = reverse("manager_export_download", args=[job.public_id])
    assert client.get(download).status_code == 404  # not ready yet
    callbacks[0]()  # eager: runs the task here
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (ExportStatus.DONE, 12, 12)
    progress = client.get(reverse("manager_export_progress", args=[job.public_id])).content.decode()
    assert 'data-status="done"' in progress
    assert "hx-trigger" not in progress
    assert download in progress
    file = client.get(download)
    assert file.status_code == 200
    rows = [list(r) for r in load_workbook(io.BytesIO(b"".join(file.streaming_content))).active.values]
    assert rows[0][:7] == header[:7]
    assert [r[1] for r in rows[1:]] == emails
    assert (manager_services.export_dir() / f"{job.public_id}.xlsx").is_file()
    # The other manager of the same cohort did not ask for it: 404, like a recruit.
    for user in (co_manager, make_user("r@example.com")):
        other = logged_in(user)
        for name in ("manager_export_job", "manager_export_progress", "manager_export_download"):
            assert other.get(reverse(name, args=[job.public_id])).status_code == 404


def test_running_an_export_job_twice_writes_it_once(course, manager):
    cohort = make_cohort(course, [manager], 3, email_prefix="twice")
    from courses.manager_forms import DashboardParams

    job = manager_services.export_job_create(
        cohort=cohort, acting_user=manager, file_format="csv", params=DashboardParams(), total=3
    )
    manager_services.export_job_run(job_id=job.pk)
    first = (manager_services.export_dir() / f"{job.public_id}.csv").read_bytes()
    manager_services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert job.done == 3
    assert (manager_services.export_dir() / f"{job.public_id}.csv").read_bytes() == first
    assert not list(manager_services.export_dir().glob(".*.part"))


def test_an_export_for_a_cohort_its_requester_no_longer_manages_fails_cleanly(course, manager):
    cohort = make_cohort(course, [manager], 3, email_prefix="gone")
    from courses.manager_forms import DashboardParams
    from courses.tasks import run_export

    job = manager_services.export_job_create(
        cohort=cohort, acting_user=manager, file_format="csv", params=DashboardParams(), total=3
    )
    cohort.managers.remove(manager)
    run_export.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.error


@pytest.fixture
def shared_media(tmp_path, monkeypatch, settings):
    """One MEDIA_ROOT for the test and the worker process it starts (which reads VAR_DIR)."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    return settings.MEDIA_ROOT


@pytest.mark.worker
@pytest.mark.slow
def test_a_501_recruit_export_is_written_by_a_real_worker_on_the_reports_queue(
    shared_media, celery_worker_process, tmp_path
):
    course = make_course(tmp_path / "worker-content", modules=2)
    manager = make_user("manager@example.com", Role.MANAGER)
    cohort = make_cohort(course, [manager], 501, seed=9, email_prefix="worker")
    client = logged_in(manager)
    header, emails = dashboard_rows(client, cohort, "sort=name")
    response = export(client, cohort, "xlsx", status="all", sort="name")
    assert response.status_code == 302
    job = ExportJob.objects.get()
    wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).exists(), timeout=120)
    job.refresh_from_db()
    assert job.done == job.total == 501
    assert "courses.tasks.run_export" in celery_worker_process.log.read_text()
    file = client.get(reverse("manager_export_download", args=[job.public_id]))
    rows = [list(r) for r in load_workbook(io.BytesIO(b"".join(file.streaming_content))).active.values]
    assert rows[0][:7] == header[:7]
    assert [r[1] for r in rows[1:]] == emails


def test_export_tasks_go_to_the_reports_queue(
    course, manager, monkeypatch, django_capture_on_commit_callbacks
):
    from courses.manager_forms import DashboardParams
    from courses.tasks import run_export
    from trainingsite.celery import app

    sent = []
    monkeypatch.setattr(run_export, "apply_async", lambda *a, **kw: sent.append(kw))
    cohort = make_cohort(course, [manager], 1, email_prefix="queue")
    with django_capture_on_commit_callbacks(execute=True):
        manager_services.export_job_create(
            cohort=cohort, acting_user=manager, file_format="csv", params=DashboardParams(), total=1
        )
    assert sent
    assert sent[0]["queue"] == "reports"
    assert app.amqp.router.route({}, "courses.tasks.run_export")["queue"].name == "reports"


def test_the_export_carries_each_recruits_latest_defence(course, manager):
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from evaluation.defence_models import Defence, DefenceRubric, DefenceRubricVersion

    cohort = make_cohort(course, [manager], 4, seed=2, email_prefix="defence")
    users = [e.user for e in Enrolment.objects.filter(cohort=cohort).select_related("user").order_by("pk")]
    version = DefenceRubricVersion.objects.create(
        rubric=DefenceRubric.objects.create(slug="export-rubric"),
        number=1,
        source_hash="x",
        title="评分表",
        pass_percent=60,
        criteria=[],
    )
    shanghai = ZoneInfo("Asia/Shanghai")
    for day, percent, passed in ((3, "40.0", False), (20, "81.3", True)):  # the later one counts
        Defence.objects.create(
            cohort=cohort,
            recruit=users[0],
            rubric_version=version,
            scheduled_at=datetime(2027, 1, day, 10, tzinfo=shanghai),
            status="final",
            percent=Decimal(percent),
            passed=passed,
        )
    Defence.objects.create(
        cohort=cohort,
        recruit=users[1],
        rubric_version=version,
        scheduled_at=datetime(2027, 2, 1, 9, tzinfo=shanghai),
    )
    body = b"".join(export(logged_in(manager), cohort, "csv", status="all").streaming_content)
    rows = {r[1]: r[-3:] for r in csv.reader(io.StringIO(body.decode("utf-8-sig")))}
    assert rows[users[0].email] == ["2027-01-20", "81.3", "1"]
    assert rows[users[1].email] == ["2027-02-01", "", ""]
    assert rows[users[2].email] == ["", "", ""]
