from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from . import choice_search


class FaviconView(RedirectView):
    """`/favicon.ico`, which browsers ask for whatever the page links: the static icon."""

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.ico")


urlpatterns = [
    # Apps are included by name, not imported: the platform layer imports no app above it.
    path("", include("dashboard.home_urls")),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("choices/<slug:source>/", choice_search.search, name="choice_search"),
    path("admin/", admin.site.urls),
    path("", include("targets.urls")),
    path("competitions/", include("competitions.urls")),
    path("entry/", include("training.urls")),
    path("entry/", include("certification.urls")),
    path("imports/", include("imports.urls")),
    path("audit/", include("audit.urls")),
    path("reporting/", include("reporting.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("api/v1/", include("skills_portal.api_urls")),
]
