from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("org-units", views.OrgUnitViewSet, basename="api-org-unit")
router.register("departments", views.DepartmentViewSet, basename="api-department")
router.register("memberships", views.MembershipViewSet, basename="api-membership")

urlpatterns = router.urls
