from django.urls import path

from assessments import analysis_views as views

urlpatterns = [
    path("", views.index, name="analysis_index"),
    path("table/", views.index_table, name="analysis_index_table"),
    path("<slug:slug>/<slug:key>/", views.detail, name="analysis_detail"),
    path("<slug:slug>/<slug:key>/status/", views.status, name="analysis_status"),
    path("<slug:slug>/<slug:key>/refresh/", views.refresh, name="analysis_refresh"),
    path("<slug:slug>/<slug:key>/questions/<int:question_id>/", views.question, name="analysis_question"),
]
