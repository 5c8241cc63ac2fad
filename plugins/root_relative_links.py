"""Links between pages as root-relative paths (/blog/x/, /images/y.jpg) instead of SITEURL-absolute ones.

The same build then works on any origin (127.0.0.1 on any port in tests, the public domain behind
CloudFront) and every request stays same-origin, which the Content-Security-Policy ('self') requires.
Canonical, Open Graph, JSON-LD, feed and sitemap URLs still use SITEURL: those must be absolute.

Pelican has no setting for this while SITEURL is absolute (RELATIVE_URLS makes ../../ paths, which change
with each page's depth). Content resolves {filename}/{static} links against the key "localsiteurl" of the
build's context, which Pelican fills from SITEURL and does not document; this plugin empties it once every
file is read, before any page is rendered. tests/site/test_markdown.py checks the links a visitor gets, so a
Pelican release that changes this key fails it.
"""

from pelican import signals


def use_root_relative_links(generators):
    generators[0].context["localsiteurl"] = ""


def register():
    signals.all_generators_finalized.connect(use_root_relative_links)
