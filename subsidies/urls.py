from django.urls import path

from . import views

app_name = "subsidies"
urlpatterns = [
    path("", views.scheme_list, name="scheme_list"),
    path("<int:pk>/generate/", views.scheme_generate, name="scheme_generate"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/new/", views.claim_create, name="claim_create"),
    path("claims/<int:pk>/<str:action>/", views.claim_decide, name="claim_decide"),
    path("vouchers/", views.voucher_list, name="voucher_list"),
    path("vouchers/new/", views.voucher_issue, name="voucher_issue"),
    path("vouchers/<int:pk>/step/", views.voucher_step, name="voucher_step"),
    path("records/<slug:kind>/", views.record_list, name="record_list"),
    path("records/<slug:kind>/new/", views.record_edit, name="record_create"),
    path("records/<slug:kind>/<int:pk>/edit/", views.record_edit, name="record_edit"),
]
