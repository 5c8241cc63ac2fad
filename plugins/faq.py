"""FAQ pages: a page with `Template: faq` whose `## Question` headings and the text under each are its questions
and answers. The Jinja filter `faq` splits the page's HTML (as Python-Markdown writes it: one heading a line)
into what comes before the first question and the questions; faq.html shows them as headings and text, and
as schema.org FAQPage JSON-LD.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup
from pelican import signals

QUESTION = re.compile(r'<h2(?: id="([^"]*)")?>(.*?)</h2>')


@dataclass
class Question:
    id: str
    question: Markup  # the heading's HTML
    answer: Markup  # the HTML up to the next question

    @property
    def question_text(self):
        return self.question.striptags()

    @property
    def answer_text(self):
        return self.answer.striptags()

    @property
    def schema_org(self):
        return {
            "@type": "Question",
            "name": self.question_text,
            "acceptedAnswer": {"@type": "Answer", "text": self.answer_text},
        }


@dataclass
class Faq:
    intro: Markup
    questions: list


def faq(html):
    """Faq(intro, [Question...]) of a page's HTML."""
    parts = QUESTION.split(str(html))
    questions = [
        Question(id=parts[i] or "", question=Markup(parts[i + 1]), answer=Markup(parts[i + 2].strip()))
        for i in range(1, len(parts), 3)
    ]
    return Faq(intro=Markup(parts[0].strip()), questions=questions)


def add_filter(pelican):
    pelican.settings["JINJA_FILTERS"] = {**pelican.settings["JINJA_FILTERS"], "faq": faq}


def register():
    signals.initialized.connect(add_filter)
