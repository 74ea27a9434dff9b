from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("<int:pk>/", views.entry_detail, name="detail"),
    path("unit/<int:unit_id>/", views.unit_entries, name="unit"),
    path("record/<str:model_label>/<str:object_id>/", views.record_history, name="record"),
]
