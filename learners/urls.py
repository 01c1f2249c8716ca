from django.urls import path

from learners import views

app_name = "learners"

urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
    path("progress/sections/<int:pk>/visit/", views.section_visit, name="section-visit"),
    path("progress/sections/<int:pk>/complete/", views.section_complete, name="section-complete"),
    path("staff/analytics/", views.staff_analytics, name="analytics"),
]
