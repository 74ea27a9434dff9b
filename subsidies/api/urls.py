from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("subsidies/schemes", views.SchemeViewSet, basename="api-subsidy-scheme")
router.register("subsidies/claims", views.ClaimViewSet, basename="api-subsidy-claim")
router.register("subsidies/vouchers", views.VoucherViewSet, basename="api-subsidy-voucher")

urlpatterns = [
    path("subsidies/totals/", views.TotalsView.as_view(), name="api-subsidy-totals"),
    *router.urls,
]
