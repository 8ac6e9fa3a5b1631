from django.urls import path

from assessments import drill_views, views

urlpatterns = [
    path("modules/<slug:slug>/quizzes/<slug:key>/", views.quiz_detail, name="quiz_detail"),
    path("modules/<slug:slug>/quizzes/<slug:key>/pretest/", views.pretest_start, name="pretest_start"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt_detail"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:attempt_id>/autosave/", views.attempt_autosave, name="attempt_autosave"),
    path("attempts/<int:attempt_id>/status/", views.attempt_status, name="attempt_status"),
    path("modules/<slug:slug>/drills/<slug:key>/", drill_views.drill_detail, name="drill_detail"),
    path("attempts/<int:attempt_id>/choose/", drill_views.scenario_choose, name="scenario_choose"),
    path("attempts/<int:attempt_id>/write/", drill_views.written_autosave, name="written_autosave"),
    path("attempts/<int:attempt_id>/data.csv", drill_views.dataset_csv, name="dataset_csv"),
]
