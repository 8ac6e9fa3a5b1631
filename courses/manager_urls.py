from django.urls import path

from courses import manager_views as views

urlpatterns = [
    path("", views.manager_home, name="manager_home"),
    path("cohorts/", views.cohort_list, name="manager_cohorts"),
    path("cohorts/new/", views.cohort_create, name="manager_cohort_create"),
    path("cohorts/<int:cohort_id>/", views.cohort_overview, name="manager_cohort"),
    path("cohorts/<int:cohort_id>/people/", views.cohort_people, name="manager_people"),
    path("cohorts/<int:cohort_id>/invitations/", views.invitation_send, name="manager_invite"),
    path(
        "cohorts/<int:cohort_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="manager_invitation_revoke",
    ),
    path("cohorts/<int:cohort_id>/managers/", views.manager_add, name="manager_add"),
    path("cohorts/<int:cohort_id>/recruits/<int:user_id>/", views.recruit_detail, name="manager_recruit"),
    path("cohorts/<int:cohort_id>/attempts/<int:attempt_id>/", views.attempt_detail, name="manager_attempt"),
    path("cohorts/<int:cohort_id>/compare/", views.recruits_compare, name="manager_compare"),
    path("cohorts/<int:cohort_id>/export/", views.cohort_export, name="manager_export"),
    path("exports/<uuid:public_id>/", views.export_job, name="manager_export_job"),
    path("exports/<uuid:public_id>/progress/", views.export_job_progress, name="manager_export_progress"),
    path("exports/<uuid:public_id>/download/", views.export_job_download, name="manager_export_download"),
]
