from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("subsidies/schemes", views.SchemeViewSet, basename="api-subsidy-scheme")
router.register("subsidies/claims", views.ClaimViewSet, basename="api-subsidy-claim")
router.register("subsidies/vouchers", views.VoucherViewSet, basename="api-subsidy-voucher")

urlpatterns = router.urls
