from django.urls import path

from courses import manager_views as views

urlpatterns = [
    path("<str:token>/", views.invitation_open, name="invitation_open"),
]
