from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("competitions", views.CompetitionViewSet, basename="api-competition")
router.register("awards", views.AwardViewSet, basename="api-award")

urlpatterns = router.urls
