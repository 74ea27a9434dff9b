from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard_page, name="index"),
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/issue/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/xlsx/", views.bulletin_xlsx, name="bulletin_xlsx"),
]
