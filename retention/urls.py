from django.urls import path

from retention import views

urlpatterns = [
    path("review/", views.review_home, name="review_home"),
    path("review/next/", views.review_next, name="review_next"),
    path("review/<uuid:public_id>/", views.review_answer, name="review_answer"),
    path("review/<uuid:public_id>/status/", views.review_answer_status, name="review_answer_status"),
    path("manager/cohorts/<int:cohort_id>/recall/", views.cohort_recall, name="manager_cohort_recall"),
]
