"""Footnotes are an article's sources: a numbered "Sources" section at its end, and `citation` in its JSON-LD.

Authors write Markdown footnotes (`...50 million Americans.[^cdc]` and `[^cdc]: title, publisher, year, link`).
Python-Markdown's footnotes extension numbers them and links both ways; the treeprocessor here, added to the
site's Python-Markdown when Pelican starts, makes its block a section with a heading:

    <section class="sources" aria-labelledby="sources"><h2 id="sources">Sources</h2><ol>...</ol></section>

and gives the links words for screen readers ("Source 1", "Back to the text citing source 1"). The Jinja
filter `citations` reads that section of an article's HTML back as schema.org CreativeWorks.
"""

from html.parser import HTMLParser
from xml.etree import ElementTree

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from pelican import signals

HEADING_ID = "sources"


class SourcesTreeprocessor(Treeprocessor):
    def run(self, root):
        block = next((div for div in root.iter("div") if div.get("class") == "footnote"), None)
        if block is None:
            return
        block.tag = "section"
        block.attrib = {"class": "sources", "aria-labelledby": HEADING_ID}
        for rule in block.findall("hr"):
            block.remove(rule)
        heading = ElementTree.Element("h2", id=HEADING_ID)
        heading.text = "Sources"
        block.insert(0, heading)
        for link in root.iter("a"):
            if link.get("class") == "footnote-ref":
                link.set("aria-label", f"Source {link.text}")
            elif link.get("class") == "footnote-backref":
                link.set("aria-label", link.get("title"))


class SourcesExtension(Extension):
    def extendMarkdown(self, md):
        # After the footnotes block exists and its text is parsed (inline: 20), before toc (5) collects headings.
        md.treeprocessors.register(SourcesTreeprocessor(md), "sources", 10)


class _SourcesReader(HTMLParser):
    """Collects, for each item of the Sources section, its text (without the back links) and first web link."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items, self._in_sources, self._in_backref = [], False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("class") == "sources":
            self._in_sources = True
        elif self._in_sources and tag == "li":
            self.items.append({"text": "", "url": None})
        elif self._in_sources and tag == "a" and self.items:
            self._in_backref = attrs.get("class") == "footnote-backref"
            href = attrs.get("href") or ""
            if self.items[-1]["url"] is None and href.startswith(("http://", "https://")):
                self.items[-1]["url"] = href

    def handle_endtag(self, tag):
        if tag == "section":
            self._in_sources = False
        elif tag == "a":
            self._in_backref = False

    def handle_data(self, data):
        if self._in_sources and self.items and not self._in_backref:
            self.items[-1]["text"] += data


def citations(html):
    """schema.org CreativeWork for each source of an article's HTML: name (the footnote's text), url."""
    # Only the section is parsed, from its start before the heading: parsing all of every page's HTML was a
    # quarter of rendering the site (bench/README.md).
    heading = (html or "").find(f'<h2 id="{HEADING_ID}">')
    if heading < 0:
        return []  # no footnotes, no section
    reader = _SourcesReader()
    reader.feed(html[max(0, html.rfind("<section", 0, heading)) :])
    works = []
    for item in reader.items:
        work = {"@type": "CreativeWork", "name": " ".join(item["text"].split())}
        if item["url"]:
            work["url"] = item["url"]
        works.append(work)
    return works


def add_extension_and_filter(pelican):
    extensions = pelican.settings["MARKDOWN"].setdefault("extensions", [])
    if not any(isinstance(e, SourcesExtension) for e in extensions):
        extensions.append(SourcesExtension())
    pelican.settings["JINJA_FILTERS"] = {**pelican.settings["JINJA_FILTERS"], "citations": citations}


def register():
    signals.initialized.connect(add_extension_and_filter)
