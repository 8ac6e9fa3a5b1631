from django.contrib import admin
from django.urls import include, path

from trainingsite import views

urlpatterns = [
    path("", include("courses.urls")),
    path("", include("assessments.urls")),
    path("", include("certificates.urls")),
    path("author/", include("courses.author_urls")),
    path("", include("evaluation.urls")),
    path("", include("retention.urls")),
    path("", include("evaluation.mentor_urls")),
    path("trainer/feedback/", include("evaluation.trainer_urls")),
    path("trainer/analysis/", include("assessments.analysis_urls")),
    path("trainer/", include("assessments.trainer_urls")),
    path("manager/", include("courses.manager_urls")),
    path("manager/", include("workchat.urls")),
    path("invite/", include("courses.invite_urls")),
    path("notifications/", include("notifications.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("health/", views.health, name="health"),
    path("health/live/", views.live, name="health_live"),
    path("admin/", admin.site.urls),
]

handler404 = "trainingsite.views.page_not_found"
handler500 = "trainingsite.views.server_error"
