from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("progress", views.ProgressViewSet, basename="api-progress")
router.register("rollup-runs", views.RollupRunViewSet, basename="api-rollup-run")

urlpatterns = router.urls
