from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.metrics import metrics

admin.site.site_header = _("강의실 관리")
admin.site.site_title = _("강의실 관리")
admin.site.index_title = _("콘텐츠와 학습 관리")

urlpatterns = [
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("learners.account_urls")),
    path("", include("learners.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("", include("course.urls")),
]
