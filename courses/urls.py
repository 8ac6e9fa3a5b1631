from django.urls import path

from courses import views

urlpatterns = [
    path("", views.home, name="home"),
    path("modules/", views.catalogue, name="catalogue"),
    path("tracks/", views.course_list, name="course_list"),
    path("tracks/<slug:slug>/", views.course_detail, name="course_detail"),
    path("progress/", views.progress, name="progress"),
    path("modules/<slug:slug>/", views.module_detail, name="module_detail"),
    path("modules/<slug:slug>/lessons/<slug:key>/", views.lesson_detail, name="lesson_detail"),
    path("modules/<slug:slug>/lessons/<slug:key>/read/", views.lesson_mark_read, name="lesson_mark_read"),
]
