"""Response headers: a Content-Security-Policy on every page, and nothing a signed-in person sees (nor any
export or PDF) left in a browser's or proxy's cache."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.conftest import ROOT
from trainingsite.middleware import PrivateNoStoreMiddleware

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_every_page_has_a_content_security_policy_without_inline_scripts(recruit_client, imported):
    for response in (Client().get(reverse("catalogue")), recruit_client.get(reverse("home"))):
        assert response.status_code == 200
        policy = directives(response)
        assert policy["script-src"] == "script-src 'self'"
        assert policy["object-src"] == "object-src 'none'"
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_signed_in_pages_are_private_and_not_stored(recruit_client, imported):
    for name, args in [("home", []), ("progress", []), ("module_detail", [imported.slug])]:
        response = recruit_client.get(reverse(name, args=args))
        assert response.status_code == 200
        cache_control = {v.strip() for v in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache_control, name
    public = Client().get(reverse("catalogue"))
    assert "no-store" not in public.get("Cache-Control", "")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/pdf",
        "text/csv; charset=utf-8",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)
def test_exports_and_pdfs_are_never_stored_whoever_asks(content_type):
    request = RequestFactory().get("/any")
    request.user = AnonymousUser()
    response = PrivateNoStoreMiddleware(lambda r: HttpResponse(b"x", content_type=content_type))(request)
    assert {"private", "no-store"} <= {v.strip() for v in response["Cache-Control"].split(",")}


def test_templates_have_no_inline_script_or_event_handler():
    """What the policy's script-src 'self' relies on: scripts come only from static files."""
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]:
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        if "javascript:" in text:
            offenders.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert offenders == []
