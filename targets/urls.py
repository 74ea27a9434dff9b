from django.urls import path

from . import value_entry, views

app_name = "targets"
urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<slug:code>/", views.plan_detail, name="plan_detail"),
    path("plans/<slug:plan_code>/targets/<str:code>/", views.target_detail, name="target_detail"),
    path("targets/", views.target_list, name="target_list"),
    path("decompositions/", views.decomposition_list, name="decomposition_list"),
    path("units/", views.org_unit_tree, name="org_unit_tree"),
    path("entry/values/", value_entry.value_entry, name="value_entry"),
]
