"""Quizzes: knowledge checks per section and review quizzes per lecture."""
