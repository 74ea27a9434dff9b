from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.month_list, name="list"),
    path("completeness/", views.completeness_page, name="completeness"),
    path("notices/", views.notice_list, name="notices"),
    path("<int:unit_id>/<str:month>/", views.report_detail, name="detail"),
]
