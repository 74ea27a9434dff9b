from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("org-units", views.OrgUnitViewSet, basename="api-org-unit")
router.register("departments", views.DepartmentViewSet, basename="api-department")
router.register("memberships", views.MembershipViewSet, basename="api-membership")
router.register("org-unit-group-types", views.OrgUnitGroupSetViewSet,
                basename="api-org-unit-group-type")
router.register("option-sets", views.OptionSetViewSet, basename="api-option-set")
router.register("options", views.OptionViewSet, basename="api-option")
router.register("org-unit-groups", views.OrgUnitGroupViewSet, basename="api-org-unit-group")
router.register("org-unit-group-members", views.OrgUnitGroupMemberViewSet,
                basename="api-org-unit-group-member")

urlpatterns = router.urls
