"""Links between pages as root-relative paths (/blog/x/, /images/y.jpg) instead of SITEURL-absolute ones.

The same build then works on any origin (127.0.0.1 on any port in tests, the public domain behind
CloudFront) and every request stays same-origin, which the Content-Security-Policy ('self') requires.
Canonical, Open Graph, JSON-LD, feed and sitemap URLs still use SITEURL: those must be absolute.
"""
from pelican import signals


def use_root_relative_links(generators):
    # Content objects resolve {filename}/{static} links with the shared context's "localsiteurl".
    generators[0].context["localsiteurl"] = ""


def register():
    signals.all_generators_finalized.connect(use_root_relative_links)
