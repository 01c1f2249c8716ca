from django.urls import path

from lti import views

app_name = "lti"

urlpatterns = [
    path("lti/login/", views.login, name="login"),
    path("lti/launch/", views.launch, name="launch"),
    path("lti/continue/", views.continue_launch, name="continue"),
    path("lti/jwks/", views.jwks, name="jwks"),
    path("lti/pick/", views.pick, name="pick"),
    path("lti/classes/<int:pk>/roster/", views.roster_sync, name="roster"),
    path("lti/registration/", views.registration_link, name="registration-link"),
    path("lti/link/", views.link_account, name="link"),
    path("lti/register/<str:token>/", views.register, name="register"),
]
