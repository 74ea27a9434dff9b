from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("training-figures", views.TrainingFigureViewSet, basename="api-training-figure")
router.register("training-programmes", views.ProgrammeViewSet, basename="api-programme")
router.register("training-carriers", views.TrainingCarrierViewSet,
                basename="api-training-carrier")

urlpatterns = router.urls
