from django.urls import path

from workchat import views

urlpatterns = [
    path("cohorts/<int:cohort_id>/bots/", views.bot_list, name="workchat_bots"),
    path("cohorts/<int:cohort_id>/bots/add/", views.bot_add, name="workchat_bot_add"),
    path("cohorts/<int:cohort_id>/bots/<int:bot_id>/test/", views.bot_test, name="workchat_bot_test"),
    path("cohorts/<int:cohort_id>/bots/<int:bot_id>/remove/", views.bot_remove, name="workchat_bot_remove"),
]
