from django.urls import path

from assessments import trainer_views

urlpatterns = [
    path("questions/", trainer_views.question_list, name="trainer_questions"),
    path("questions/<int:question_id>/regrade/", trainer_views.question_regrade, name="trainer_regrade"),
    path("regrades/<int:job_id>/", trainer_views.regrade_job, name="trainer_regrade_job"),
    path(
        "regrades/<int:job_id>/progress/",
        trainer_views.regrade_job_progress,
        name="trainer_regrade_progress",
    ),
    path("regrades/<int:job_id>/resume/", trainer_views.regrade_job_resume, name="trainer_regrade_resume"),
    path("attempts/", trainer_views.attempt_list, name="trainer_attempts"),
    path("reviews/", trainer_views.review_list, name="trainer_reviews"),
    path("reviews/<int:review_id>/", trainer_views.review_detail, name="trainer_review"),
    path("attempts/<int:attempt_id>/", trainer_views.attempt_detail, name="trainer_attempt"),
    path(
        "attempts/<int:attempt_id>/responses/<int:response_id>/override/",
        trainer_views.response_override,
        name="trainer_override",
    ),
]
