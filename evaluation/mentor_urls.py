from django.urls import path

from evaluation import mentor_views as views

urlpatterns = [
    path("checklist/", views.checklist, name="evaluation_checklist"),
    path("mentor/", views.mentees, name="evaluation_mentees"),
    path("mentor/<int:run_id>/", views.mentee, name="evaluation_mentee"),
    path("manager/cohorts/<int:cohort_id>/mentors/", views.cohort_mentors, name="evaluation_cohort_mentors"),
]
