"""Simulated recruits and managers for ``benchmarks.load``, run by ``locust --headless`` in a process of
its own.

``LOAD_PLAN`` names a JSON file written by benchmarks.load: credentials, the course's modules (lesson and
quiz keys), the cohort to open and the think time. Each simulated user takes the next free credentials.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
THINK = between(PLAN["think_min"], PLAN["think_max"])
_recruits = itertools.cycle(PLAN["recruits"])
_managers = itertools.cycle(PLAN["managers"])
_addresses = itertools.count(1)
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_ATTEMPT = re.compile(r"/attempts/(\d+)/$")
POLL_LIMIT_S = 60


def answers_from(page: str) -> list[tuple[str, str]]:
    """A browser's answers: the first choice of every question's radio or checkbox group on the page."""
    fields, seen = [], set()
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        name = attrs.get("name", "")
        if re.fullmatch(r"q\d+", name) and attrs.get("type") in ("radio", "checkbox") and name not in seen:
            seen.add(name)
            fields.append((name, attrs.get("value", "")))
    return fields


def _secure_cookies_over_loopback(policy, cookie, request) -> bool:
    return True


# Send the site's Secure cookies over loopback HTTP, as the TLS-terminating proxy in front of gunicorn passes
# them on in production. Patched on the class: requests copies the session's cookies into a jar of its own,
# with a default policy, for every request; this process runs nothing but the simulated users.
DefaultCookiePolicy.return_ok_secure = _secure_cookies_over_loopback


class Signed(HttpUser):
    abstract = True
    wait_time = THINK

    def sign_in(self, credentials: list[str]) -> None:
        # What the proxy adds, the original scheme, and the same-origin Referer CSRF checks on HTTPS.
        self.client.headers.update(
            {"X-Forwarded-Proto": "https", "Referer": self.host.replace("http://", "https://", 1) + "/"}
        )
        # Each simulated user is its own client address, as recruits are (benchmarks.load trusts X-Real-IP).
        n = next(_addresses)
        self.client.headers["X-Real-IP"] = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        page = self.client.get("/accounts/login/", name="login form")
        token = _CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={"login": credentials[0], "password": credentials[1], "csrfmiddlewaretoken": token and
                  token.group(1)},
            name="sign in",
            catch_response=True,
        ) as response:  # fmt: skip
            if "/accounts/login/" in response.url:
                response.failure(f"still on the login page ({response.status_code}): {response.text[:300]!r}")

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def think(self) -> None:
        time.sleep(self.wait_time())


class Recruit(Signed):
    weight = 100 - PLAN["manager_percent"]

    def on_start(self) -> None:
        self.sign_in(next(_recruits))
        self.modules = itertools.cycle(PLAN["modules"])

    @task
    def module_round(self) -> None:
        module = next(self.modules)
        self.client.get("/", name="home")
        self.think()
        lesson = random.choice(module["lessons"])
        self.client.get(f"/modules/{module['slug']}/lessons/{lesson}/", name="lesson")
        self.think()
        quiz_url = f"/modules/{module['slug']}/quizzes/{module['quiz']}/"
        self.client.get(quiz_url, name="quiz page")
        self.think()
        started = self.client.post(quiz_url, data={"csrfmiddlewaretoken": self.csrf()}, name="quiz start")
        found = _ATTEMPT.search(started.url or "")
        if not found:  # the quiz refused a new attempt (tries used, cooldown): a real recruit reads on
            return
        attempt = found.group(1)
        answers = answers_from(started.text)
        for n in range(1, 4):
            self.think()
            self.client.post(
                f"/attempts/{attempt}/autosave/",
                data=[("csrfmiddlewaretoken", self.csrf()), *answers[: n * max(1, len(answers) // 3)]],
                headers={"X-CSRFToken": self.csrf()},
                name="autosave",
            )
        self.think()
        self.client.post(
            f"/attempts/{attempt}/submit/",
            data=[("csrfmiddlewaretoken", self.csrf()), *answers],
            name="submit",
        )
        deadline = time.monotonic() + POLL_LIMIT_S
        while True:
            with self.client.get(
                f"/attempts/{attempt}/status/", name="status poll", catch_response=True
            ) as r:
                if 'hx-trigger="every 1s"' not in r.text:
                    break
                if time.monotonic() > deadline:
                    r.failure(f"attempt {attempt} not graded within {POLL_LIMIT_S}s")
                    break
            time.sleep(1)  # the page polls every second


class Manager(Signed):
    weight = PLAN["manager_percent"]

    def on_start(self) -> None:
        self.sign_in(next(_managers))

    @task
    def dashboard(self) -> None:
        url = f"/manager/cohorts/{PLAN['cohort_id']}/"
        with self.client.get(url, name="cohort dashboard", catch_response=True) as response:
            if not response.url.endswith(url):
                response.failure(f"sent to {response.url}")
