from django.urls import path

from classes import views

app_name = "classes"

urlpatterns = [
    path("classes/", views.class_list, name="list"),
    path("classes/<int:pk>/", views.class_detail, name="detail"),
    path("classes/<int:pk>/leave/", views.leave, name="leave"),
    path("classes/<int:pk>/code/", views.code, name="code"),
    path("classes/<int:pk>/reminders/", views.reminders, name="reminders"),
    path("classes/<int:pk>/overview/", views.overview_view, name="overview"),
    path("classes/<int:pk>/staff/", views.staff_add, name="staff-add"),
    path("classes/<int:pk>/members/<int:member>/remove/", views.member_remove, name="member-remove"),
    path("classes/<int:pk>/gradebook/", views.gradebook_view, name="gradebook"),
    path("classes/<int:pk>/learners/<int:member>/", views.learner_detail, name="learner"),
    path("classes/<int:pk>/deadlines/", views.deadline_add, name="deadline-add"),
    path("classes/<int:pk>/deadlines/<int:deadline>/remove/", views.deadline_remove, name="deadline-remove"),
    path("classes/<int:pk>/extensions/", views.extension_add, name="extension-add"),
    path("classes/<int:pk>/extensions/<int:extension>/remove/", views.extension_remove, name="extension-remove"),
    path("join/<str:code>/", views.join, name="join"),
]
