from django.urls import path

from classes import views

app_name = "classes"

urlpatterns = [
    path("classes/", views.class_list, name="list"),
    path("classes/<int:pk>/", views.class_detail, name="detail"),
    path("classes/<int:pk>/leave/", views.leave, name="leave"),
    path("classes/<int:pk>/code/", views.code, name="code"),
    path("classes/<int:pk>/staff/", views.staff_add, name="staff-add"),
    path("classes/<int:pk>/members/<int:member>/remove/", views.member_remove, name="member-remove"),
    path("classes/<int:pk>/gradebook/", views.gradebook_view, name="gradebook"),
    path("join/<str:code>/", views.join, name="join"),
]
