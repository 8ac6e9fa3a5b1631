from django.urls import path

from evaluation import defence_views, views

urlpatterns = [
    path("modules/<slug:slug>/feedback/", views.feedback_form, name="evaluation_feedback"),
    path("defences/", defence_views.defence_list, name="evaluation_defences"),
    path("defences/<int:defence_id>/", defence_views.defence_detail, name="evaluation_defence"),
    path("defences/<int:defence_id>/score/", defence_views.defence_score, name="evaluation_defence_score"),
    path("defences/<int:defence_id>/change/", defence_views.defence_change, name="evaluation_defence_change"),
    path(
        "manager/cohorts/<int:cohort_id>/defences/new/",
        defence_views.defence_schedule,
        name="evaluation_defence_schedule",
    ),
]
