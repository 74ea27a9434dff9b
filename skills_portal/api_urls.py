"""The REST API under /api/v1/: each app contributes its routes from `<app>/api/urls.py`."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

API_APPS = ["org", "targets", "progress", "training", "certification", "competitions", "subsidies",
            "dashboard", "reporting", "audit", "imports"]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    *[path("", include(f"{app}.api.urls")) for app in API_APPS],
]
