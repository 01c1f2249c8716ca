from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import pgettext_lazy


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = pgettext_lazy("plural", "퀴즈")
    editor_models = ["quiz", "question", "choice"]  # not learners' attempts and answers
    editor_permissions = ["view_statistics"]  # but their statistics, in aggregate

    def ready(self):
        from core import personal, revisions
        from core.cache import register_schedule, watch_content
        from course import drafts
        from course import panels as course_panels
        from course.apps import ensure_editors_group
        from quizzes import panels, views

        post_migrate.connect(ensure_editors_group, sender=self)
        personal.register_flash(views.ERRORS_SESSION_KEY)  # a refused answer's error, shown once on the lesson
        watch_content(self.get_model(name) for name in self.editor_models)
        register_schedule(self.get_model("quiz").schedule_times)
        # A question's revision holds its current choices (not the retired ones). Learners'
        # attempts and answers get none.
        revisions.register(self.get_model("Quiz"))
        revisions.register(self.get_model("Question"), follow=["current_choices"])
        revisions.register(self.get_model("Choice"))
        post_migrate.connect(revisions.initial_revisions, sender=self)
        course_panels.register_section_panel(panels.knowledge_check)
        course_panels.register_section_panel(panels.review_after_last_section)
        course_panels.register_lecture_panel(panels.review_on_lecture_page)
        drafts.register_preview(self.get_model("Quiz"), views.preview_quiz)
