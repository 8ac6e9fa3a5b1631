"""Builders shared by the manager tests (no tests here): courses, managers and cohorts with history.

Cohorts come from benchmarks.dashboard.cohort_build, the same synthetic recruits the scale benchmark uses,
whose aggregates tests/benchmarks/test_dashboard_smoke.py checks against the real services.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from django.test import Client

from accounts.models import Role, User
from benchmarks.dashboard import cohort_build, course_build, course_plan
from courses.models import Cohort, Course

PASSWORD = "Xk4!community-ops"


def make_course(root: Path, *, modules: int = 4, slug: str = "bench-course") -> Course:
    return course_build(root=root, modules=modules, slug=slug)


def make_user(email: str, role: str = Role.RECRUIT, **extra) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, role=role, **extra)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_cohort(course: Course, managers: list[User], size: int, *, seed: int = 0, **extra) -> Cohort:
    import random

    plans = course_plan(course, random.Random(seed))
    return cohort_build(course=course, managers=managers, size=size, seed=seed, plans=plans, **extra)


def table_headers(html: str) -> list[str]:
    """The recruit table's column labels, as the page shows them (data-column of each header)."""
    return [unescape(label) for label in re.findall(r'data-column="([^"]*)"', html)]


def table_emails(html: str) -> list[str]:
    """The recruits' emails in the order the table lists them."""
    return [unescape(e) for e in re.findall(r'<td class="email">([^<]+)</td>', html)]
