"""Work out each article's and page's URL once, after Pelican has settled them, instead of on every use.

Pelican recomputes `url` at each access (a metadata copy, two abspath/relpath calls, a format), and the
templates ask for it thousands of times: each article in each list page, feed and sitemap (bench/README.md).
Pelican's own override attribute (`override_url`,
what a `URL:` metadata line sets) holds the value from then on. `save_as` is left alone: Pelican reads its
override as "may replace another page's file". So are static files: Pelican may still move them ({attach}).
"""

from pelican import signals


def freeze_urls(generators):
    for content in generators[0].context["generated_content"].values():
        if content is not None:  # a file that failed to read
            content.override_url = content.url


def register():
    signals.all_generators_finalized.connect(freeze_urls)
