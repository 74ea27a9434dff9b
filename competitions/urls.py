from django.urls import path

from . import views

app_name = "competitions"
urlpatterns = [
    path("", views.competition_list, name="competition_list"),
    path("new/", views.competition_create, name="competition_create"),
    path("<int:pk>/edit/", views.competition_edit, name="competition_edit"),
    path("<int:pk>/delete/", views.competition_delete, name="competition_delete"),
    path("awards/", views.award_list, name="award_list"),
    path("awards/new/", views.award_create, name="award_create"),
    path("awards/<int:pk>/edit/", views.award_edit, name="award_edit"),
    path("awards/<int:pk>/delete/", views.award_delete, name="award_delete"),
]
