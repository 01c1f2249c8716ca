from django.urls import path

from learners import views

app_name = "learners"

urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
    path("me/mistakes/", views.mistakes, name="mistakes"),
    path("me/mistakes/<int:pk>/review/", views.mistake_review, name="mistake-review"),
    path("progress/sections/<int:pk>/visit/", views.section_visit, name="section-visit"),
    path("progress/sections/<int:pk>/complete/", views.section_complete, name="section-complete"),
    path("review/", views.review_list, name="review"),
    path("review/cards/<int:pk>/answer/", views.review_answer, name="review-answer"),
    path("staff/analytics/", views.staff_analytics, name="analytics"),
]
