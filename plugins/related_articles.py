"""What an article page offers to read next: the newer and the older article (`newer`, `older`, or None) and up
to RELATED_ARTICLES_MAX articles sharing its tags (`related`: most shared tags first, then the newest).

Worked out once for all published articles, from an index of each tag's articles, so that a 1,000-article
site does not compare every article with every other.
"""

import heapq
from collections import Counter, defaultdict

from pelican import signals

RELATED_MAX = 3  # setting RELATED_ARTICLES_MAX


def link_articles(generator):
    articles = generator.articles  # published, newest first (the site's ARTICLE_ORDER_BY)
    limit = generator.settings.get("RELATED_ARTICLES_MAX", RELATED_MAX)
    # Tags are keyed by slug, as Pelican tells them apart; positions stand for articles (cheaper to hash).
    tag_slugs = [[tag.slug for tag in getattr(article, "tags", [])] for article in articles]
    by_tag = defaultdict(list)
    for n, slugs in enumerate(tag_slugs):
        for slug in slugs:
            by_tag[slug].append(n)
    for n, article in enumerate(articles):
        article.newer = articles[n - 1] if n > 0 else None
        article.older = articles[n + 1] if n + 1 < len(articles) else None
        shared = Counter(other for slug in tag_slugs[n] for other in by_tag[slug])
        shared.pop(n, None)
        best = heapq.nsmallest(limit, shared, key=lambda other: (-shared[other], other))
        article.related = [articles[other] for other in best]
    for article in generator.hidden_articles + generator.drafts:
        article.newer = article.older = None
        article.related = []


def register():
    signals.article_generator_finalized.connect(link_articles)
