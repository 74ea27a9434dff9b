from django.urls import path

from . import views

urlpatterns = [
    path("quota-tables/", views.QuotaTableView.as_view(), name="api-quota-table"),
]
