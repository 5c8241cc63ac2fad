"""Pelican's Markdown reader, with one Python-Markdown instance per reader, reset between files.

Pelican's MarkdownReader builds a new `Markdown(**MARKDOWN)` for every file it reads, and setting up the
extensions of pelicanconf.py's MARKDOWN is a large share of reading an article (bench/README.md).
This reader builds it once (a reader lives as long as its process's build) and calls `reset()` between
documents, as Python-Markdown's documentation says to for converting many. Settings, metadata and
FORMATTED_FIELDS are Pelican's, read by Pelican's own code.
"""

from functools import cached_property

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open


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
            return content, self._parse_metadata(self._md.Meta)
        finally:
            self._md.preprocessors = preprocessors


def use_reused_markdown(readers):
    for extension in ReusedMarkdownReader.file_extensions:
        readers.reader_classes[extension] = ReusedMarkdownReader


def register():
    signals.readers_init.connect(use_reused_markdown)
