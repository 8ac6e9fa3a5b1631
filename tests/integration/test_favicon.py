"""Every page names a favicon, and the browser's own /favicon.ico request finds one."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_link_a_favicon_that_exists(client):
    body = client.get(reverse("catalogue")).content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in body
    assert finders.find("favicon.svg")


def test_favicon_ico_is_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
