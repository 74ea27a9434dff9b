"""Routes at the site root: the home page and the data-entry landing page."""

from django.urls import path

from . import home

urlpatterns = [
    path("", home.home, name="home"),
    path("entry/", home.entry_home, name="entry_home"),
]
