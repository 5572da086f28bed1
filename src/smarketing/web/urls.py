"""Routes of the pages for people."""

from django.urls import path

from smarketing.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
