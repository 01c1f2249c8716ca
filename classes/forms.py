"""A class's forms: creating it, its staff, its due dates, its gradebook's filter, one's reminders."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from classes.gradebook import SORTS
from classes.models import Class, Deadline, Membership, Role
from course.models import Course, Lecture
from quizzes.models import Quiz


class ClassForm(forms.ModelForm):
    class Meta:
        model = Class
        fields = ["course", "name", "grade_policy", "late_policy", "time_zone"]

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

    sort = forms.ChoiceField(required=False, choices=[(sort, sort) for sort in SORTS])
    q = forms.CharField(label=_("이름 찾기"), required=False, max_length=150)
    page = forms.IntegerField(required=False, min_value=1)


class DeadlineForm(forms.Form):
    """A due date for a lecture (reading) or a quiz, typed in the class's time zone."""

    prefix = "deadline"  # the class page holds this form and the extension form, each with a due_at

    target = forms.ChoiceField(label=_("무엇의 마감"))
    due_at = forms.DateTimeField(label=_("마감"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, klass, **kwargs):
        super().__init__(*args, **kwargs)
        self.klass = klass
        lectures = Lecture.objects.published().filter(course=klass.course)
        quizzes = Quiz.objects.published().filter(lecture__course=klass.course).order_by("lecture__number", "id")
        self.targets = {f"lecture-{x.pk}": x for x in lectures} | {f"quiz-{x.pk}": x for x in quizzes}
        self.fields["target"].choices = [
            (_("강의 읽기"), [(key, str(x)) for key, x in self.targets.items() if key.startswith("lecture")]),
            (_("퀴즈"), [(key, str(x)) for key, x in self.targets.items() if key.startswith("quiz")]),
        ]

    def clean_target(self):
        return self.targets[self.cleaned_data["target"]]


class ExtensionForm(forms.Form):
    prefix = "extension"
    user = forms.ModelChoiceField(label=_("학습자"), queryset=get_user_model().objects.none())
    deadline = forms.ModelChoiceField(label=_("마감"), queryset=Deadline.objects.none())
    due_at = forms.DateTimeField(label=_("새 마감"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("사유 (교수자와 조교만 봄)"), max_length=200)

    def __init__(self, *args, klass, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(class_memberships__klass=klass, class_memberships__role=Role.LEARNER)
            .order_by("username")
        )
        self.fields["deadline"].queryset = klass.deadlines.select_related("quiz", "lecture")
        self.fields["deadline"].empty_label = None  # the first deadline, not a blank to forget


class ReminderForm(forms.ModelForm):
    prefix = "reminders"

    class Meta:
        model = Membership
        fields = ["reminders", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reminders"].help_text = (
            _("마감 48시간 전까지 끝내지 않은 퀴즈나 읽기가 있으면 메일로 알려 드립니다.")
            if self.instance.role == Role.LEARNER
            else _("월요일 아침마다 반의 한 주 요약을 메일로 보내 드립니다.")
        )
