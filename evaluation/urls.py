from django.urls import path

from evaluation import views

urlpatterns = [
    path("modules/<slug:slug>/feedback/", views.feedback_form, name="evaluation_feedback"),
]
