from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("learners.account_urls")),
    path("", include("learners.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("", include("course.urls")),
]
