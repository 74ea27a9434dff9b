from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("training/", views.training_grid, name="grid"),
    path("carriers/", views.carrier_list, name="carrier_list"),
    path("carriers/new/", views.carrier_create, name="carrier_create"),
    path("carriers/<int:pk>/edit/", views.carrier_edit, name="carrier_edit"),
    path("carriers/<int:pk>/delete/", views.carrier_delete, name="carrier_delete"),
]
