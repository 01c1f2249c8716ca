"""python manage.py demo_accounts — an editor and a learner for trying the site (`make demo-accounts`).

Run on demand only, never by `make run`: a site should not come with known accounts. Each run
gives both accounts new random passwords and prints them once; nothing else keeps them, so
running it again is how to get back in. The editor is what the README tells an administrator to
make by hand: staff, in the content editors group (course.apps), not a superuser, so the admin
shows exactly what an instructor may do. The learner is an ordinary account.
"""

import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from course.apps import EDITORS_GROUP

EDITOR = "demo-editor"
LEARNER = "demo-learner"


class Command(BaseCommand):
    help = _(
        "사이트를 둘러볼 편집자 계정(demo-editor)과 학습자 계정(demo-learner)을 만들고 새 임의 비밀번호를 "
        "한 번만 보여 줍니다. 다시 실행하면 비밀번호를 새로 정합니다."
    )

    def handle(self, *args, **options):
        group = Group.objects.filter(name=EDITORS_GROUP).first()
        if group is None:
            raise CommandError(_("%(group)s 그룹이 없습니다. migrate를 먼저 실행하세요.") % {"group": EDITORS_GROUP})
        with transaction.atomic():
            editor, editor_password = self.account(EDITOR, staff=True)
            editor.groups.set([group])
            learner, learner_password = self.account(LEARNER, staff=False)
            learner.groups.clear()
        self.stdout.write(_("편집자: 관리 화면(/admin/)과 사이트의 미리 보기, 변경 이력, 통계를 씁니다."))
        self.stdout.write(f"  {editor.get_username()}  {editor_password}")
        self.stdout.write(_("학습자: 사이트(/)에서 읽고 문제를 풉니다. 관리 화면에는 들어갈 수 없습니다."))
        self.stdout.write(f"  {learner.get_username()}  {learner_password}")
        self.stdout.write(_("비밀번호는 지금 한 번만 보여 줍니다. 다시 실행하면 새 비밀번호로 바뀝니다."))

    @staticmethod
    def account(username, *, staff):
        """The account as this command defines it, whatever was done to it since, with a new password.

        A lockout from failed logins is lifted too (as a password reset does): the new password
        must work at once."""
        user, _created = get_user_model().objects.get_or_create(username=username)
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_active, user.is_staff, user.is_superuser = True, staff, False
        user.save()
        axes_reset(username=username)
        return user, password
