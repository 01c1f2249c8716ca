from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from config.metrics import metrics

admin.site.site_header = _("강의실 관리")
admin.site.site_title = _("강의실 관리")
admin.site.index_title = _("콘텐츠와 학습 관리")

urlpatterns = [
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # The footer's language switch posts to i18n/setlang/; scripts read their strings from jsi18n/.
    path("i18n/", include("django.conf.urls.i18n")),
    # packages: this project's messages (LOCALE_PATHS) only, not those of every installed app.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["config"]), name="javascript-catalog"),
    path("accounts/", include("learners.account_urls")),
    path("", include("learners.urls")),
    path("", include("classes.urls")),
    path("", include("lti.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("", include("course.urls")),
]
