"""Site settings for local builds (`make html`, `make devserver`, `make run`).

publishconf.py starts from these and changes what production needs.
"""

import os
import tomllib
from pathlib import Path

from jinja2 import FileSystemBytecodeCache

# The clinic's facts (name, address, phone, hours) come from clinic.toml, which the form service reads too (its
# emails carry the same name and postal address); every template reads them from CLINIC.
with open(Path(__file__).with_name("clinic.toml"), "rb") as shared_file:
    shared = tomllib.load(shared_file)
CLINIC = shared["clinic"]
# The forms' spam check ("off" or "altcha"): the pages show its widget exactly when the service requires it, since
# both read clinic.toml's [forms] captcha, or FORMS_CAPTCHA from the environment (forms_lambda/config.py).
FORMS_CAPTCHA = os.environ.get("FORMS_CAPTCHA", "").strip().lower() or shared["forms"]["captcha"].strip().lower()
if FORMS_CAPTCHA not in ("off", "altcha"):
    raise ValueError(f"FORMS_CAPTCHA (or [forms] captcha in clinic.toml) must be off or altcha, got {FORMS_CAPTCHA!r}")

AUTHOR = CLINIC["name"]
SITENAME = CLINIC["name"]
SITEDESCRIPTION = (
    "Ketamine infusion therapy in Denver for chronic pain and depression: "
    "articles from the clinic, and how to reach us."
)
# The local server (`make run`); canonical, Open Graph, feed and sitemap URLs are absolute.
SITEURL = "http://127.0.0.1:8000"
TIMEZONE = "America/Denver"
DEFAULT_LANG = "en"
OG_LOCALE = "en_US"

PATH = "content"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "extra"]
IGNORE_FILES = [".#*", ".gitkeep"]
# Files that must live at the site's root (favicons, .well-known/security.txt, a search engine's verification file)
# go in content/extra/, at their path below the root: extra/.well-known/security.txt is /.well-known/security.txt.
# Nothing may be put in the bucket by hand: each publish deletes what the build did not write.
PATH_METADATA = r"extra/(?P<path>.+)"

THEME = "theme"
# The theme's css/js/img are written by plugins/fingerprint.py under content-hashed names,
# so Pelican must not copy them a second time under their plain names.
THEME_STATIC_PATHS = []
# The form service's crisis phrase list, published as a theme asset (plugins/fingerprint.py): the contact form's
# script matches it while a visitor types, the service when the message arrives (forms_lambda/crisis.py).
FINGERPRINT_EXTRA_FILES = {"data/crisis-phrases.json": str(Path(__file__).parent / "forms_lambda/crisis_phrases.json")}
PLUGIN_PATHS = ["plugins"]
# Explicit: a plugin installed for something else must not change the site (Pelican loads every installed
# namespace plugin when PLUGINS is unset).
# contained_files stops a build that would follow a symbolic link out of content/ or theme/;
# people (the team, authors and medical reviewers), sources (footnotes as "Sources"), faq, responsive_images,
# related_articles and search_index make the site's pages; live_reload only acts in `make devserver`.
# markdown_reader, frozen_urls and parallel_build only make builds faster (bench/: `make bench`) and change
# no byte of the output.
PLUGINS = [
    "contained_files",
    "markdown_reader",
    "people",
    "sources",
    "faq",
    "responsive_images",
    "related_articles",
    "search_index",
    "fingerprint",
    "root_relative_links",
    "frozen_urls",
    "parallel_build",
    "live_reload",
]

# Clean URLs: every page is <path>/index.html.
ARTICLE_URL = "blog/{slug}/"
ARTICLE_SAVE_AS = "blog/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
INDEX_URL = ""  # the blog index is the home page: /
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
# One author (the clinic): no author pages. No tag or category overview pages either.
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAGS_SAVE_AS = ""
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
DRAFT_PAGE_URL = "drafts/pages/{slug}/"
DRAFT_PAGE_SAVE_AS = "drafts/pages/{slug}/index.html"
# sitemap.xml and robots.txt are rendered from the theme's sitemap.html and robots.html.
DIRECT_TEMPLATES = ["index", "archives", "search", "sitemap", "robots"]
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
SITEMAP_SAVE_AS = "sitemap.xml"
ROBOTS_SAVE_AS = "robots.txt"

# The clinic's team (plugins/people.py): content/people/<slug>.md at /people/<slug>/, all of them at /people/.
# Articles name their author and medical reviewer by that slug (README: writing for the site).
PEOPLE_PATHS = ["people"]
PERSON_URL = "people/{slug}/"
PERSON_SAVE_AS = "people/{slug}/index.html"
PEOPLE_URL = "people/"
PEOPLE_SAVE_AS = "people/index.html"
# A medical review older than this many months is a warning in `make lint-content` and an error in the publish
# pipeline's check (`make lint-content-publish`): a stale review cannot go live quietly.
REVIEW_MAX_AGE_MONTHS = 12

# Responsive images (plugins/responsive_images.py): the widths made of each photo, never wider than the photo,
# and how wide the article column is (`sizes`: 44rem wide, less 1.25rem padding on each side).
IMAGE_WIDTHS = [480, 960, 1200, 1600]
IMAGE_SIZES = "(min-width: 44rem) 41.5rem, calc(100vw - 2.5rem)"
IMAGE_OG_WIDTH = 1200  # the variant Open Graph shares (an article's first image)
RELATED_ARTICLES_MAX = 3
# `make devserver` sets LIVE_RELOAD=1 in Pelican's environment (plugins/live_reload.py): the browser reloads when
# a build finishes. publishconf.py turns it off whatever the environment says.
if os.environ.get("LIVE_RELOAD", "0") not in ("0", "1"):
    raise ValueError(f"LIVE_RELOAD must be 0 or 1, not {os.environ['LIVE_RELOAD']!r}")
LIVE_RELOAD = os.environ.get("LIVE_RELOAD") == "1"

DEFAULT_PAGINATION = 10
# Page 2 of /tag/pain/ is /tag/pain/page/2/: it cannot collide with another tag's page
# (Pelican's default names page 5 of `tag2` tag/tag25.html, the page of tag `tag25`).
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Feeds: local builds have them too (the form service's `notify` reads them from output/).
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20

# What the reader read from each file is cached by the file's modification time (Pelican's default caching
# layer, "reader"); templates are rendered every build. Plugins may change content objects (frozen_urls
# does): the objects are built anew from the cache at each build.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
CHECK_MODIFIED_METHOD = "mtime"
# Pelican gzips the cache at level 9 by default: every build pays for it (bench/README.md), to save disk.
GZIP_CACHE = False

# Python-Markdown, with what authors write in GitHub's dialect rendered as GitHub shows it (tests/site/
# test_markdown.py): tables, fenced code, footnotes, heading ids for links to sections (toc), ~~strikethrough~~
# (tilde; a single ~ stays a tilde, as in "~20 mg"), task lists, bare URLs and email addresses as links
# (magiclink), and lists nested by 2 spaces (mdx_truly_sane_lists). Not "extra": its abbreviations,
# attribute lists, definition lists and Markdown in HTML are not GitHub's, and slow every article down.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.fenced_code": {},
        # Footnotes are the article's sources (plugins/sources.py): back links say where they lead.
        "markdown.extensions.footnotes": {"BACKLINK_TITLE": "Back to the text citing source %d"},
        "markdown.extensions.tables": {},
        "markdown.extensions.toc": {},
        "pymdownx.tilde": {"subscript": False},
        "pymdownx.tasklist": {},
        "pymdownx.magiclink": {},
        "mdx_truly_sane_lists": {},
    },
    "output_format": "html5",
}
SUMMARY_MAX_LENGTH = 40
DEFAULT_DATE_FORMAT = "%B %-d, %Y"
TYPOGRIFY = False

# The header's navigation (path, label); the footer links privacy and disclaimer itself.
NAV_LINKS = [("/", "Blog"), ("/about/", "About"), ("/contact/", "Contact")]
RSS_FEED_SUMMARY_ONLY = False  # full text in both feeds, links made absolute by Pelican

# Escape every variable by default; content and summaries are marked |safe where they are HTML.
# No auto_reload: every build makes a new Jinja environment, which need not stat each template at each use.
# The bytecode cache (in the system's temporary folder, keyed by each template's source) spares every build,
# and every process of plugins/parallel_build.py, compiling the same templates again.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "auto_reload": False,
    "bytecode_cache": FileSystemBytecodeCache(),
}
