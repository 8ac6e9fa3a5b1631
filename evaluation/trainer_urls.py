from django.urls import path

from evaluation import views

urlpatterns = [
    path("", views.trainer_index, name="evaluation_trainer_index"),
    path("<slug:slug>/", views.trainer_module, name="evaluation_trainer_module"),
]
