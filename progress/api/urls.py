from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("progress", views.ProgressViewSet, basename="api-progress")
router.register("rollup-runs", views.RollupRunViewSet, basename="api-rollup-run")
router.register("rollup-requests", views.RollupRequestViewSet, basename="api-rollup-request")

urlpatterns = router.urls
