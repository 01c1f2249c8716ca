from django.urls import path

from course import views

app_name = "course"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("preview/drafts/<int:pk>/", views.draft_preview, name="draft-preview"),
    path("preview/<str:token>/", views.signed_preview, name="signed-preview"),
    path("patterns/", views.pattern_list, name="pattern-list"),
    path("patterns/<str:slug>/", views.pattern_detail, name="pattern-detail"),
    path("diagrams/<str:slug>/", views.diagram_detail, name="diagram-detail"),
    path("diagrams/<str:slug>/image", views.diagram_image, name="diagram-image"),
    path("courses/<str:course_slug>/", views.course_detail, name="course-detail"),
    path("courses/<str:course_slug>/<str:lecture_slug>/", views.lecture_detail, name="lecture-detail"),
    path(
        "courses/<str:course_slug>/<str:lecture_slug>/<str:section_slug>/",
        views.section_detail,
        name="section-detail",
    ),
]
