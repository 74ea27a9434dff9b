from django.urls import path

from . import views

app_name = "certification"
urlpatterns = [
    path("certificates/", views.certificate_grid, name="grid"),
]
