"""Account forms: sign-up with e-mail, login that slows password guessing, account deletion."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from learners import services


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("이메일"), help_text=_("비밀번호를 잊었을 때 재설정 링크를 받을 주소입니다."))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]

    def clean_email(self):
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(_("이미 가입에 쓰인 이메일입니다. 로그인하거나 비밀번호를 재설정하세요."))
        return email


def client_address(request):
    return request.META.get("REMOTE_ADDR") or None


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses further tries after repeated failures for one account or from one address."""

    def clean(self):
        username = self.cleaned_data.get("username", "")
        address = client_address(self.request) if self.request else None
        if message := services.login_blocked(username, address):
            raise ValidationError(message, code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            services.login_failed(username, address)
            raise
        services.login_succeeded(username)
        return cleaned


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("비밀번호"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("비밀번호가 맞지 않습니다."))
        return password
