"""Pelican's Markdown reader, with one Python-Markdown instance per reader, reset between files.

Pelican's MarkdownReader builds a new `Markdown(**MARKDOWN)` for every file it reads, and setting up the
extensions of pelicanconf.py's MARKDOWN is a large share of reading an article (bench/README.md).
This reader builds it once (a reader lives as long as its process's build) and calls `reset()` between
documents, as Python-Markdown's documentation says to for converting many. Settings, metadata and
FORMATTED_FIELDS are Pelican's, read by Pelican's own code.

It also counts an article's minutes of reading for its byline (theme/templates/partials/byline.html) here, where
the HTML is made, so that the count is kept in Pelican's content cache with the HTML: counted in the template,
it cost a sixth of rendering an article, on every build, for every article (bench/README.md).
"""

import math
import re
from functools import cached_property

from markdown import Markdown
from markupsafe import Markup
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

WORD = re.compile(r"\w+")  # a word as Jinja's wordcount filter counts it
WORDS_A_MINUTE = 200


def reading_minutes(html):
    """Minutes to read some HTML, as the byline's fallback computes them (striptags, wordcount): at least 1."""
    return max(1, math.ceil(len(WORD.findall(Markup(html).striptags())) / WORDS_A_MINUTE))


class ReusedMarkdownReader(MarkdownReader):
    @cached_property
    def markdown(self):
        return Markdown(**self.settings["MARKDOWN"])

    def read(self, source_path):
        """As MarkdownReader.read, on the reused instance."""
        self._source_path = source_path
        self._md = self.markdown
        self._md.reset()
        # MarkdownReader._parse_metadata takes the meta extension out of the instance it converts the
        # formatted fields (Summary) with: it comes back for the next file.
        preprocessors = self._md.preprocessors[:]
        try:
            with pelican_open(source_path) as text:
                content = self._md.convert(text)
            metadata = self._parse_metadata(self._md.Meta)
            metadata["reading_minutes"] = reading_minutes(content)
            return content, metadata
        finally:
            self._md.preprocessors = preprocessors


def use_reused_markdown(readers):
    for extension in ReusedMarkdownReader.file_extensions:
        readers.reader_classes[extension] = ReusedMarkdownReader


def register():
    signals.readers_init.connect(use_reused_markdown)
