from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("monthly-reports", views.MonthlyReportViewSet, basename="api-monthly-report")
router.register("notices", views.NoticeViewSet, basename="api-notice")

urlpatterns = [
    path("reporting-completeness/", views.CompletenessView.as_view(),
         name="api-reporting-completeness"),
    *router.urls,
]
