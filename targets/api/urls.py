from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .tokens import TokenView

router = SimpleRouter()
router.register("indicators", views.IndicatorViewSet, basename="api-indicator")
router.register("plans", views.PlanViewSet, basename="api-plan")
router.register("plan-tasks", views.PlanTaskViewSet, basename="api-plan-task")
router.register("targets", views.TargetViewSet, basename="api-target")
router.register("data-values", views.DataValueViewSet, basename="api-data-value")

urlpatterns = [
    path("token/", TokenView.as_view(), name="api-token"),
    *router.urls,
]
