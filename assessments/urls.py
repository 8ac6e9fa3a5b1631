from django.urls import path

from assessments import views

urlpatterns = [
    path("modules/<slug:slug>/quizzes/<slug:key>/", views.quiz_detail, name="quiz_detail"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt_detail"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:attempt_id>/autosave/", views.attempt_autosave, name="attempt_autosave"),
    path("attempts/<int:attempt_id>/status/", views.attempt_status, name="attempt_status"),
]
