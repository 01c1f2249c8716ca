"""A class's forms: creating it, and adding one of its staff."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from classes.models import Class, Role
from course.models import Course


class ClassForm(forms.ModelForm):
    class Meta:
        model = Class
        fields = ["course", "name", "grade_policy", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.published()
        self.fields["course"].empty_label = None


class StaffForm(forms.Form):
    username = forms.CharField(label=_("아이디"), max_length=150)
    role = forms.ChoiceField(
        label=_("역할"),
        choices=[(Role.CO_INSTRUCTOR, Role.CO_INSTRUCTOR.label), (Role.ASSISTANT, Role.ASSISTANT.label)],
    )

    def clean_username(self):
        user = get_user_model().objects.filter(username=self.cleaned_data["username"], is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("그런 아이디의 사용자가 없습니다."))
        return user


class GradebookForm(forms.Form):
    """The gradebook's sort, search and page, from the query string."""

    sort = forms.ChoiceField(
        required=False,
        choices=[(s, s) for s in ("name", "-name", "completion", "-completion", "activity", "-activity")],
    )
    q = forms.CharField(label=_("이름 찾기"), required=False, max_length=150)
    page = forms.IntegerField(required=False, min_value=1)
