"""Content in Korean inside interface text in the reader's language: the one rule for marking it.

Everything the course teaches is written in Korean; the interface around it speaks the reader's
language. Where a Korean name sits inside a translated sentence ("Reread “쿠버네티스”", "7 results
for ‘서킷’"), screen readers and hyphenation must read it as Korean, so it is marked
``lang="ko"``. In the Korean interface the page itself is ``lang="ko"`` and the mark would say
nothing: it is left out. Templates use the filter ``korean`` (``{% load content_language %}``).
"""

import re

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData
from django.utils.translation import get_language

CONTENT_LANGUAGE = "ko"
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def speaks_content_language():
    """Whether the interface is in the content's language (Korean) for this request."""
    return (get_language() or CONTENT_LANGUAGE).split("-")[0] == CONTENT_LANGUAGE


def korean(text):
    """``text`` as HTML for a sentence in the interface language: escaped, and in
    ``<span lang="ko">`` when the interface is not Korean and the text has Korean in it (a title,
    or what a reader searched for). HTML that is already safe (``Lecture.heading_html``) marks
    its own parts and is returned as it is."""
    if isinstance(text, SafeData):
        return text
    text = str(text)
    if speaks_content_language() or not HANGUL.search(text):
        return conditional_escape(text)
    return format_html('<span lang="{}">{}</span>', CONTENT_LANGUAGE, text)
