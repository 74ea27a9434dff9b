from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/action/", views.import_action, name="action"),
    path("template/<slug:kind>.xlsx", views.import_template, name="template"),
    path("export/<slug:kind>.<slug:fmt>", views.export, name="export"),
    path("export/<slug:kind>.<slug:fmt>/build/", views.export_start, name="export_start"),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
