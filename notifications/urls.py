from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("<int:notification_id>/", views.notification_open, name="notification_open"),
    path("read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("preferences/", views.notification_preferences, name="notification_preferences"),
]
