"""Account forms (sign-up with an e-mail address to confirm, an address form, account deletion) and
the wrong-answer notebook's filter."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from course.models import Lecture


class AddressForm(forms.Form):
    email = forms.EmailField(
        label=_("이메일"),
        help_text=_(
            "비밀번호를 잊었을 때 재설정 링크를 받을 주소입니다. 이 주소로 보낸 확인 링크를 누르면 등록됩니다."
        ),
    )


class SignupForm(UserCreationForm):
    # Not a model field here: the address is attached only once confirmed (learners.accounts).
    email = AddressForm.base_fields["email"]

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username"]


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


class MistakeFilterForm(forms.Form):
    """The wrong-answer notebook's filter: one lecture, or all of them (empty)."""

    lecture = forms.ModelChoiceField(label=_("강의"), queryset=Lecture.objects.none(), required=False)

    def __init__(self, *args, counts=None, **kwargs):
        """``counts``: {lecture id: mistakes in it}, shown beside each lecture and "all"."""
        super().__init__(*args, **kwargs)
        counts = counts or {}
        field = self.fields["lecture"]
        field.queryset = Lecture.objects.published().select_related("course")  # published now, not at import
        field.label_from_instance = lambda lecture: f"{lecture.heading} ({counts.get(lecture.pk, 0)})"
        everything = _("모든 강의")
        field.empty_label = f"{everything} ({sum(counts.values())})"

    def shown(self, mistakes):
        """The mistakes of the chosen lecture, or all of them (a valid form only)."""
        lecture = self.cleaned_data["lecture"]
        return [mistake for mistake in mistakes if lecture is None or mistake.lecture == lecture]
