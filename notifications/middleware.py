from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from notifications.services import user_language_set


class LanguagePreferenceMiddleware:
    """Remember the language a signed-in user picks with Django's set_language view (the header form), so
    emails and notifications reach them in it. Only that POST is looked at: other requests run no query."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._path: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "POST" or response.status_code not in (302, 204):
            return response
        if self._path is None:
            self._path = reverse("set_language")
        if request.path_info == self._path and request.user.is_authenticated:
            language = request.POST.get("language")
            if language:
                user_language_set(user=request.user, language=language)
        return response
