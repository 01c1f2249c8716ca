from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt-detail"),
    path("preview-check/<int:question_pk>/", views.preview_check, name="preview-check"),
    path("<str:slug>/", views.quiz_detail, name="quiz-detail"),
    path("<str:slug>/questions/<int:question_pk>/answer/", views.answer, name="answer"),
    path("<str:slug>/finish/", views.finish, name="finish"),
    path("<str:slug>/retry/", views.retry, name="retry"),
]
