"""Check the authors' Markdown before it is built: python -m deploy.lint_content [--publish] content/

Prints one `path:line: message` per problem, in words an author understands, and exits 1 if there is any.
Checks: required metadata (Title, Date, Summary on articles; Title on pages; Name, Credentials, Role on people),
valid dates and statuses, unique slugs, images that exist and have alt text, internal links that resolve, no
scripts, inline event handlers or inline styles (the site's Content-Security-Policy blocks them, so they would
silently not work), no symbolic links or odd file names (plugins/contained_files.py: the build and the
publisher refuse them too), footnote markers that have their note (the source), and medical reviews:
`Author:` and `Reviewed-By:` name a person of content/people/, `Reviewed-On:` is a date neither in the future
nor before the article's Date.

Warnings (`path:line: warning: message`) do not fail the check: an image over 20 MB, a first image narrower than
480 pixels, and a medical review older than REVIEW_MAX_AGE_MONTHS (pelicanconf.py). With --publish (the publish
pipeline's check, `make lint-content-publish`) a stale review is an error: it cannot go live quietly.

Links and images are found by the site's own Markdown (Pelican's reader with pelicanconf.py's MARKDOWN), so code
samples, fenced or inline, are never checked, and reference links, titles and <angle> addresses read as the site
reads them. Addresses follow pelicanconf.py's settings (Pelican's read_settings): pages at PAGE_URL, articles at
ARTICLE_URL, images in content/images/ at /images/, and content/extra/ at the site's root.
"""

import argparse
import calendar
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from markdown import util
from markdown.extensions.meta import META_RE
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from pelican.settings import read_settings
from pelican.utils import get_date, slugify
from PIL import Image

from plugins.contained_files import unsafe_paths
from plugins.markdown_reader import ReusedMarkdownReader

# The site's settings, as the build reads them: URL patterns, Markdown extensions, time zone, author.
SETTINGS = read_settings(str(Path(__file__).resolve().parents[1] / "pelicanconf.py"))
PAGES_DIR, PEOPLE_DIR = SETTINGS["PAGE_PATHS"][0], SETTINGS["PEOPLE_PATHS"][0]
EXTRA_DIR = "extra"  # published at the site's root (pelicanconf.py's PATH_METADATA)
STATUSES = {"published", "draft", "hidden", "skip"}
REQUIRED = {"article": ("title", "date", "summary"), "page": ("title",), "person": ("name", "credentials", "role")}
WHY_REQUIRED = {
    "title": "the headline of the page",
    "date": "when it is published, as YYYY-MM-DD",
    "summary": "one or two sentences shown on the blog index, in feeds and in search results",
    "name": "the person's name as patients read it, like Dana Reyes",
    "credentials": "their degrees and licences after the name, like MD or RN, BSN",
    "role": "what they do at the clinic, like Medical Director",
}
BIGGEST_IMAGE_MB = 20  # a photo larger than this is an unedited original: slow to build, pointless to serve
NARROWEST_FIRST_IMAGE = 480  # pixels: the first image spans the column and is the article's shared picture
# URLs the site generates besides articles, pages and files of content/ (docs/http.md): the settings name most.
GENERATED = (
    "INDEX_URL",
    "FEED_ALL_ATOM",
    "FEED_ALL_RSS",
    "SITEMAP_SAVE_AS",
    "ROBOTS_SAVE_AS",
    "SEARCH_URL",
    "PEOPLE_URL",
)
GENERATED_PATHS = {"/blog/", "/404.html", "/favicon.ico"} | {"/" + SETTINGS[name] for name in GENERATED}
PATTERN_PREFIXES = ("TAG_URL", "CATEGORY_URL", "AUTHOR_URL")
GENERATED_PREFIXES = (
    "/api/",
    f"/{SETTINGS['THEME_STATIC_DIR']}/",
    *("/" + SETTINGS[n].split("{")[0] for n in PATTERN_PREFIXES),
)
EXTERNAL_SCHEMES = {"http", "https", "mailto", "tel"}
INTRASITE = ("{filename}", "{static}", "{attach}", "|filename|", "|static|", "|attach|")


@dataclass
class Problem:
    path: Path
    line: int
    message: str
    warning: bool = False  # printed, but does not fail the check

    def __str__(self):
        return f"{self.path}:{self.line}: {'warning: ' if self.warning else ''}{self.message}"


@dataclass
class Document:
    path: Path  # as the author names it: content/articles/x.md
    source: PurePosixPath  # relative to the content folder: articles/x.md
    kind: str  # "article", "page" or "person"
    meta: dict = field(default_factory=dict)  # lower-case key -> (value, line)
    markup: list = field(default_factory=list)  # (line, kind, what): markup()

    def value(self, key, default=""):
        return self.meta.get(key, (default, 1))[0]

    def line(self, key):
        return self.meta.get(key, ("", 1))[1]

    @property
    def status(self):
        return self.value("status", "published").lower()

    @property
    def published(self):
        return self.status not in ("draft", "skip")

    @property
    def slug(self):
        if self.kind == "person":
            return self.path.stem  # plugins/people.py: a person's address is their file's name
        return self.value("slug") or slugify(self.value("title"), regex_subs=SETTINGS["SLUG_REGEX_SUBSTITUTIONS"])

    @property
    def url(self):
        if self.value("url"):
            return "/" + self.value("url").lstrip("/")
        if self.value("save_as"):
            return "/" + self.value("save_as").lstrip("/")
        pattern = SETTINGS[{"article": "ARTICLE_URL", "page": "PAGE_URL", "person": "PERSON_URL"}[self.kind]]
        return "/" + pattern.format(slug=self.slug)


SOURCE = "data-lint-source"  # the Markdown an element was made from, to find its line in the file
MISSING = "data-lint-missing"  # "image" or "footnote": a reference to what the file does not define
# Python-Markdown's and pymdownx.magiclink's inline processors that make links and images (e-mail addresses
# make mailto: links, obfuscated as entities: nothing to check).
LINK_PROCESSORS = (
    "link",
    "reference",
    "image_link",
    "image_reference",
    "short_reference",
    "short_image_ref",
    "autolink",
    "magic-link",
)


def remember_source(processor, name):
    """Have a link or image processor note its Markdown on the element it makes; an image reference that is
    not defined (which Markdown leaves as text) becomes an element that says so."""
    handle_match = processor.handleMatch

    def handleMatch(m, data):
        element, start, end = handle_match(m, data)
        if element is None and start is not None and name == "image_reference":
            text, index, _ = processor.getText(data, m.end(0))
            ref = processor.evalId(data, index, text)[0]
            element = ElementTree.Element("span", {MISSING: "image", "ref": ref})
        if element is not None and (element.tag in ("a", "img") or MISSING in element.attrib):
            element.set(SOURCE, data[start:end])
        return element, start, end

    processor.handleMatch = handleMatch


class MissingFootnote(InlineProcessor):
    """A footnote marker the footnotes extension left as text, because the file has no note for it."""

    def handleMatch(self, m, data):
        element = ElementTree.Element("span", {MISSING: "footnote", "ref": m.group(1), SOURCE: m.group(0)})
        return element, m.start(0), m.end(0)


class Collect(Treeprocessor):
    """After the inline processors: the elements made from Markdown, and raw HTML, in document order."""

    def run(self, root):
        self.md.found = []
        self.visit(root)

    def visit(self, element):
        if SOURCE in element.attrib:
            self.md.found.append(element)
        self.raw_html(element.text)
        for child in element:
            self.visit(child)
            self.raw_html(child.tail)

    def raw_html(self, text):
        """The HTML written in the Markdown, which Python-Markdown keeps aside as it is (with entities and the
        HTML of code blocks, which have no tags to check)."""
        for placeholder in util.HTML_PLACEHOLDER_RE.finditer(text or ""):
            html = self.md.htmlStash.rawHtmlBlocks[int(placeholder.group(1))]
            if isinstance(html, str) and html.lstrip().startswith("<"):
                self.md.found.append(html)


def site_markdown():
    """The site's Markdown (Pelican's reader, pelicanconf.py's MARKDOWN), noting where links and images come from."""
    md = ReusedMarkdownReader(SETTINGS).markdown
    for name in LINK_PROCESSORS:
        if name in md.inlinePatterns:
            remember_source(md.inlinePatterns[name], name)
    footnote = md.inlinePatterns["footnote"]
    md.inlinePatterns.register(MissingFootnote(footnote.pattern, md), "missing-footnote", 174)
    md.treeprocessors.register(Collect(md), "collect", 3)
    return md


class Tags(HTMLParser):
    """(line within the HTML, tag name, {attribute: value}) of each start tag."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((self.getpos()[0] - 1, tag, dict(attrs)))


def written_line(element):
    """The last line of the Markdown an element was made from, without the placeholders of what it contains:
    a line of the file (a paragraph inside a list or quote loses its indent, not its words)."""
    parts = element.get(SOURCE).replace(util.ETX, util.STX).split(util.STX)[::2]
    return next((line.strip() for part in reversed(parts) for line in reversed(part.splitlines()) if line.strip()), "")


def markup(md, text, body_start):
    """(line, kind, what) for each link, image and raw HTML tag the body of a file makes, in order: kind "a" or
    "img" (what: the element), "missing" (an undefined image reference or footnote) or "tag" (what: (name,
    attributes)). Code, fenced or inline, makes none."""
    md.reset()
    md.convert(text)
    found = []
    cursor = body_start
    for item in md.found:
        html = item if isinstance(item, str) else None
        key = html.strip().split("\n")[0] if html is not None else written_line(item)
        at = text.find(key, cursor) if key else -1
        if at < 0 and key:
            at = text.find(key, body_start)  # a footnote's note comes last in the tree, wherever it is written
        if at >= 0:
            cursor = at + len(key)
        line = text.count("\n", 0, cursor if at < 0 else at) + 1
        if html is None:
            found.append((line, "missing" if MISSING in item.attrib else item.tag, item))
        else:
            found += [(line + offset, "tag", (tag, attrs)) for offset, tag, attrs in Tags(html.strip()).tags]
    return found


def read_document(path, content_dir, md):
    """Metadata and what the body makes, read by the site's Markdown."""
    source = PurePosixPath(path.relative_to(content_dir).as_posix())
    kind = {PAGES_DIR: "page", PEOPLE_DIR: "person"}.get(source.parts[0], "article")
    doc = Document(path, source, kind)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    body = md.preprocessors["meta"].run(list(lines))
    start = len(lines) - len(body)  # lines of the metadata block, with the blank line that ends it
    body_start = len("".join(text.splitlines(keepends=True)[:start]))
    doc.markup = markup(md, text, body_start)
    for key, values in md.Meta.items():
        number = next(n for n in range(start) if (m := META_RE.match(lines[n])) and m["key"].lower() == key)
        doc.meta[key] = (" ".join(values).strip(), number + 1)
    return doc


def intrasite_path(target):
    """What a {filename}, {static} or {attach} address (Pelican's, also written |filename|) names, else None."""
    return next((target[len(prefix) :] for prefix in INTRASITE if target.startswith(prefix)), None)


def months_later(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class ContentLinter:
    def __init__(self, content_dir, today=None, publishing=False):
        """today: the date reviews are checked against (the clinic's, by default); publishing: a stale
        medical review is an error, not a warning."""
        self.content_dir = Path(content_dir)
        self.today = today or datetime.now(ZoneInfo(SETTINGS["TIMEZONE"])).date()
        self.publishing = publishing
        self.problems = [Problem(path, 1, why) for path, why in unsafe_paths(self.content_dir)]
        # A linked file is reported above and never read: its target may be anything on the machine.
        unsafe = {problem.path for problem in self.problems}
        paths = sorted(
            p
            for p in self.content_dir.rglob("*")
            if p.suffix in (".md", ".markdown") and p.is_file() and not unsafe.intersection([p, *p.parents])
        )
        md = site_markdown()
        self.documents = [read_document(p, self.content_dir, md) for p in paths]
        self.by_source = {d.source: d for d in self.documents}
        self.urls = {d.url: d for d in self.documents}
        self.people = {d.slug for d in self.documents if d.kind == "person"}

    def report(self, doc, line, message, warning=False):
        self.problems.append(Problem(doc.path, line, message, warning))

    def run(self):
        for doc in self.documents:
            self.check_metadata(doc)
            self.check_body(doc)
            self.check_authorship(doc)
        self.check_unique_urls()
        return sorted(self.problems, key=lambda p: (str(p.path), p.line))

    def check_metadata(self, doc):
        for key in REQUIRED[doc.kind]:
            if key not in doc.meta:
                self.report(doc, 1, f"missing required metadata '{key.title()}:' ({WHY_REQUIRED[key]})")
            elif not doc.value(key):
                self.report(doc, doc.line(key), f"'{key.title()}:' is empty ({WHY_REQUIRED[key]})")
        for key in ("date", "modified"):
            if doc.value(key):
                try:
                    get_date(doc.value(key))
                except ValueError:
                    self.report(
                        doc,
                        doc.line(key),
                        f"'{key.title()}: {doc.value(key)}' is not a valid date; "
                        "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM",
                    )
        if doc.status not in STATUSES:
            self.report(
                doc,
                doc.line("status"),
                f"'Status: {doc.value('status')}' is not a status; use published, draft or hidden",
            )

    def check_authorship(self, doc):
        if doc.kind == "person":
            if doc.value("photo"):
                self.check_image(doc, doc.line("photo"), doc.value("photo"), doc.value("name"))
            return
        author = doc.value("author")
        if author and author not in self.people and author != SETTINGS["AUTHOR"]:
            self.report(
                doc,
                doc.line("author"),
                f"'Author: {author}' is not a person of the site: there is no "
                f"{self.content_dir / PEOPLE_DIR / author}.md; write the slug of "
                "one, or leave the line out to sign with the clinic's name",
            )
        reviewer = doc.value("reviewed-by")
        if "reviewed-by" in doc.meta and reviewer not in self.people:
            self.report(
                doc,
                doc.line("reviewed-by"),
                f"'Reviewed-By: {reviewer}' is not a person of the site: "
                f"there is no {self.content_dir / PEOPLE_DIR / reviewer}.md",
            )
        if ("reviewed-by" in doc.meta) != ("reviewed-on" in doc.meta):
            given, missing = (
                ("Reviewed-By", "Reviewed-On") if "reviewed-by" in doc.meta else ("Reviewed-On", "Reviewed-By")
            )
            self.report(
                doc,
                doc.line(given.lower()),
                f"'{given}:' without '{missing}:': a medical review names who reviewed it and on which day",
            )
        if "reviewed-on" in doc.meta:
            self.check_review_date(doc)

    def check_review_date(self, doc):
        line, text = doc.line("reviewed-on"), doc.value("reviewed-on")
        try:
            reviewed = date.fromisoformat(text)
        except ValueError:
            self.report(doc, line, f"'Reviewed-On: {text}' is not a valid date; write it as YYYY-MM-DD")
            return
        try:
            published = get_date(doc.value("date")).date() if doc.value("date") else None
        except ValueError:
            published = None  # reported by check_metadata
        if reviewed > self.today:
            self.report(doc, line, f"'Reviewed-On: {text}' is in the future: write the day the review was done")
        elif published and reviewed < published:
            self.report(
                doc,
                line,
                f"'Reviewed-On: {text}' is before the article's Date ({published}): a review comes after the writing",
            )
        elif months_later(reviewed, SETTINGS["REVIEW_MAX_AGE_MONTHS"]) < self.today:
            self.report(
                doc,
                line,
                f"the medical review of {text} is more than {SETTINGS['REVIEW_MAX_AGE_MONTHS']} "
                "months old: have the article reviewed again and update 'Reviewed-On:'",
                warning=not self.publishing,
            )

    def check_unique_urls(self):
        first = {}
        for doc in self.documents:
            if doc.url in first:
                other = first[doc.url]
                line = doc.line("slug") if "slug" in doc.meta else doc.line("title")
                self.report(
                    doc,
                    line,
                    f"slug '{doc.slug}' is already used by {other.path} (both would be "
                    f"published at {doc.url}); give this one its own 'Slug:'",
                )
            else:
                first[doc.url] = doc

    def check_body(self, doc):
        self.first_image_seen = False
        for number, kind, what in doc.markup:
            if kind == "a":
                self.check_link(doc, number, what.get("href", ""))
            elif kind == "img":
                self.check_image(doc, number, what.get("src", ""), what.get("alt", ""))
            elif kind == "tag":
                self.check_tag(doc, number, *what)
            elif what.get(MISSING) == "image":
                self.report(doc, number, f"image reference [{what.get('ref')}] is not defined anywhere in this file")
            else:
                name = what.get("ref")
                self.report(
                    doc,
                    number,
                    f"footnote [^{name}] has no note: add a line '[^{name}]: ...' naming the "
                    "source (title, publisher, year), or remove the marker",
                )

    def check_tag(self, doc, number, tag, attrs):
        if tag == "script":
            self.report(
                doc,
                number,
                "raw <script> in Markdown: the site does not run scripts from content "
                "(its Content-Security-Policy blocks them); remove it",
            )
        elif tag == "style":
            self.report(
                doc,
                number,
                "<style> in Markdown: the site's Content-Security-Policy blocks inline "
                "styles; ask for a CSS class in the theme instead",
            )
        elif tag == "iframe":
            self.report(
                doc,
                number,
                "<iframe> in Markdown: embedded pages from elsewhere are blocked by the "
                "site's Content-Security-Policy and may track patients; link to it instead",
            )
        handlers = sorted(name for name in attrs if name.startswith("on"))
        if handlers:
            self.report(
                doc,
                number,
                f"inline event handler {handlers[0]}= on <{tag}>: the site's "
                "Content-Security-Policy blocks inline JavaScript; remove it",
            )
        if "style" in attrs:
            self.report(
                doc,
                number,
                f"inline style= on <{tag}>: the site's Content-Security-Policy blocks "
                "inline styles; ask for a CSS class in the theme instead",
            )
        if tag == "img":
            self.check_image(doc, number, attrs.get("src") or "", attrs.get("alt") or "")
        elif tag == "a" and attrs.get("href"):
            self.check_link(doc, number, attrs["href"])

    def check_image(self, doc, number, src, alt):
        if not alt.strip():
            self.report(
                doc, number, f"image {src} has no alt text: describe what it shows, like ![Our infusion room]({src})"
            )
        scheme = urlsplit(src).scheme
        if scheme or src.startswith("//"):
            if scheme != "data":
                self.report(
                    doc,
                    number,
                    f"image {src} is on another site: the site's Content-Security-Policy "
                    "only shows images from the site itself; put it in content/images/",
                )
            return
        problem = self.resolve(doc, src)
        if problem:
            self.report(doc, number, f"image {problem}")
            return
        first, self.first_image_seen = not self.first_image_seen, True
        file = self.image_file(doc, src)
        if file is None:
            return
        megabytes = file.stat().st_size / 2**20
        if megabytes > BIGGEST_IMAGE_MB:
            self.report(
                doc,
                number,
                f"image {src} is {megabytes:.0f} MB: export it smaller (at most "
                f"{BIGGEST_IMAGE_MB} MB; 4000 pixels wide is plenty)",
                warning=True,
            )
        if first and doc.kind == "article" and file.suffix.lower() != ".svg":
            try:
                with Image.open(file) as image:
                    width = image.width
            except (OSError, SyntaxError):
                self.report(doc, number, f"image {src} cannot be read as an image")
                return
            if width < NARROWEST_FIRST_IMAGE:
                self.report(
                    doc,
                    number,
                    f"image {src} is {width} pixels wide: the first image of an article "
                    f"spans the column and is its picture when shared; use one at least "
                    f"{NARROWEST_FIRST_IMAGE} pixels wide",
                    warning=True,
                )

    def image_file(self, doc, src):
        """The file of content/ an image address names, or None."""
        if intrasite_path(src) is not None:
            file = self.content_dir / self.source_path(doc, intrasite_path(src))
        else:
            path = unquote(urlsplit(src).path)
            path = path if path.startswith("/") else urljoin(doc.url, path)
            file = next(
                (
                    self.content_dir / folder / _normalise(path).lstrip("/")
                    for folder in ("", EXTRA_DIR)
                    if (self.content_dir / folder / _normalise(path).lstrip("/")).is_file()
                ),
                None,
            )
        return file if file is not None and file.is_file() else None

    def check_link(self, doc, number, href):
        scheme = urlsplit(href).scheme.lower()
        if scheme == "javascript":
            self.report(
                doc,
                number,
                "javascript: link: the site's Content-Security-Policy blocks inline "
                "JavaScript, so it would do nothing; remove it",
            )
            return
        if scheme in EXTERNAL_SCHEMES or href.startswith("//") or scheme:
            return
        problem = self.resolve(doc, href)
        if problem:
            self.report(doc, number, f"link {problem}")

    def resolve(self, doc, target):
        """None when target reaches something the site publishes, else what is wrong (starting with target)."""
        if intrasite_path(target) is not None:
            return self.resolve_source(doc, target, intrasite_path(target))
        path = unquote(urlsplit(target).path)
        if not path:
            return None  # #anchor on the same page
        if not path.startswith("/"):
            if path.endswith((".md", ".markdown")):
                return (
                    f"{target} points at a Markdown file; write it as {{filename}}{path} so that it "
                    "becomes the page's address"
                )
            path = urljoin(doc.url, path)
        return self.resolve_path(target, path)

    @staticmethod
    def source_path(doc, path):
        """{filename}, {static} and {attach} name a file in content/: absolute from content/, else from here."""
        base = PurePosixPath("/") if path.startswith("/") else PurePosixPath("/") / doc.source.parent
        return PurePosixPath(_normalise(str(base / unquote(urlsplit(path).path)))).relative_to("/")

    def resolve_source(self, doc, target, path):
        relative = self.source_path(doc, path)
        if not (self.content_dir / relative).is_file():
            return f"{target} not found: there is no file {self.content_dir / relative}"
        linked = self.by_source.get(relative)
        if linked and not linked.published:
            return f"{target} points at a draft, which is not published; the link would be broken"
        return None

    def resolve_path(self, target, path):
        path = _normalise(path)
        if path.endswith("/index.html"):
            path = path[: -len("index.html")]
        candidates = {path, path.rstrip("/") + "/"}
        for candidate in candidates:
            linked = self.urls.get(candidate)
            if linked:
                return (
                    None
                    if linked.published
                    else f"{target} points at a draft, which is not published; the link would be broken"
                )
        if candidates & GENERATED_PATHS or path.startswith(GENERATED_PREFIXES):
            return None
        # Static files are published at their path below content/, those in content/extra/ at the root.
        if any((self.content_dir / folder / path.lstrip("/")).is_file() for folder in ("", EXTRA_DIR)):
            return None
        return f"{target} does not match any article, page or file of the site"


def _normalise(path):
    """Resolve . and .. in a URL path, keeping a trailing slash."""
    parts = []
    for part in path.split("/"):
        if part == "..":
            if len(parts) > 1:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts) or "/"


def lint(content_dir, today=None, publishing=False):
    return ContentLinter(content_dir, today=today, publishing=publishing).run()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m deploy.lint_content", description=__doc__.splitlines()[0])
    parser.add_argument("content_dir", nargs="?", default="content", type=Path)
    parser.add_argument(
        "--publish", action="store_true", help="the publish pipeline's check: a stale medical review is an error"
    )
    args = parser.parse_args(argv)
    if not args.content_dir.is_dir():
        print(f"{args.content_dir}: no such folder", file=sys.stderr)
        return 2
    linter = ContentLinter(args.content_dir, publishing=args.publish)
    problems = linter.run()
    for problem in problems:
        print(problem)
    errors = [p for p in problems if not p.warning]
    warnings = len(problems) - len(errors)
    if errors:
        print(
            f"{len(errors)} problem(s) in {len({p.path for p in errors})} file(s)"
            + (f", and {warnings} warning(s)" if warnings else ""),
            file=sys.stderr,
        )
        return 1
    print(
        f"content ok: {len(linter.documents)} Markdown files checked"
        + (f", {warnings} warning(s) above" if warnings else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
