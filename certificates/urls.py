from django.urls import path

from certificates import views

urlpatterns = [
    path("certificates/", views.certificate_list, name="certificate_list"),
    path("certificates/<str:code>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<str:code>/pdf", views.certificate_pdf_download, name="certificate_pdf"),
    path("verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("badges/issuer.json", views.badge_issuer, name="badge_issuer"),
    path("badges/classes/<slug:slug>.json", views.badge_class, name="badge_class"),
    path("badges/classes/<slug:slug>.svg", views.badge_image, name="badge_image"),
    path("badges/assertions/<str:code>.json", views.badge_assertion, name="badge_assertion"),
]
