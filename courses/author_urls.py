from django.urls import path

from courses import author_views as views

urlpatterns = [
    path("", views.module_list, name="author_modules"),
    path("new/", views.module_new, name="author_new"),
    path("preview/", views.preview, name="author_preview"),
    path("modules/<slug:slug>/", views.module_history, name="author_module"),
    path("modules/<slug:slug>/edit/", views.module_edit, name="author_edit"),
    path("modules/<slug:slug>/diff/", views.module_diff, name="author_diff"),
    path("modules/<slug:slug>/publish/", views.module_publish, name="author_publish"),
    path("modules/<slug:slug>/versions/<int:number>/source.md", views.version_source, name="author_source"),
]
