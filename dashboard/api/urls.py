from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("bulletins", views.BulletinViewSet, basename="api-bulletin")

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="api-dashboard"),
    path("dashboard/ping/", views.PingView.as_view(), name="api-dashboard-ping"),
    *router.urls,
]
