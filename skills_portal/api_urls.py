"""The REST API under /api/v1/: each app contributes its routes from `<app>/api/urls.py`."""

import threading

from django.urls import include, path
from django.utils.translation import get_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.response import Response

API_APPS = ["org", "targets", "progress", "training", "certification", "competitions", "subsidies",
            "dashboard", "reporting", "audit", "imports"]



class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, built once per process, API version and language: it is fixed by
    the code, and building it walks every endpoint (about 0.6 s, #21)."""

    _built: dict = {}
    _lock = threading.Lock()

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, get_language())
        with self._lock:
            schema = self._built.get(key)
            if schema is None:
                generator = self.generator_class(urlconf=self.urlconf, api_version=version,
                                                 patterns=self.patterns)
                schema = self._built[key] = generator.get_schema(request=request,
                                                                 public=self.serve_public)
        return Response(data=schema, headers={
            "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'})


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    *[path("", include(f"{app}.api.urls")) for app in API_APPS],
]
