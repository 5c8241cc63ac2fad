"""Production settings (`make publish`): pelicanconf.py plus what the public site needs.

SITE_URL (environment) is the public origin, without a trailing slash.
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("SITE_URL", "https://www.vitalitasdenver.example").rstrip("/")
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
RELATIVE_URLS = False

# A production build starts from nothing: no stale files, no cached content, nothing dated later.
DELETE_OUTPUT_DIRECTORY = True
LOAD_CONTENT_CACHE = False
WITH_FUTURE_DATES = False

# The live-reload script is for `make devserver` only.
LIVE_RELOAD = False

# Drafts (and future-dated articles, which Pelican treats as drafts) must never reach the public bucket.
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
