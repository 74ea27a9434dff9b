from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("certificate-figures", views.CertificateFigureViewSet,
                basename="api-certificate-figure")

urlpatterns = router.urls
