from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="api-dashboard"),
    path("dashboard/ping/", views.PingView.as_view(), name="api-dashboard-ping"),
]
