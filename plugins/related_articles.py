"""What an article page offers to read next: the newer and the older article (`newer`, `older`, or None) and up
to RELATED_ARTICLES_MAX articles sharing its tags (`related`: most shared tags first, then the newest).

Worked out once for all published articles, from an index of each tag's articles, so that a 1,000-article
site does not compare every article with every other.
"""

from collections import Counter, defaultdict

from pelican import signals

RELATED_MAX = 3  # setting RELATED_ARTICLES_MAX


def link_articles(generator):
    articles = generator.articles  # published, newest first (the site's ARTICLE_ORDER_BY)
    limit = generator.settings.get("RELATED_ARTICLES_MAX", RELATED_MAX)
    position = {id(article): n for n, article in enumerate(articles)}
    by_tag = defaultdict(list)
    for article in articles:
        for tag in getattr(article, "tags", []):
            by_tag[tag].append(article)
    for n, article in enumerate(articles):
        article.newer = articles[n - 1] if n > 0 else None
        article.older = articles[n + 1] if n + 1 < len(articles) else None
        shared = Counter(
            id(other) for tag in getattr(article, "tags", []) for other in by_tag[tag] if other is not article
        )
        best = sorted(shared, key=lambda key: (-shared[key], position[key]))[:limit]
        article.related = [articles[position[key]] for key in best]
    for article in generator.hidden_articles + generator.drafts:
        article.newer = article.older = None
        article.related = []


def register():
    signals.article_generator_finalized.connect(link_articles)
