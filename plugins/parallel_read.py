"""Read (parse the Markdown of) the articles in parallel, one process per core, before Pelican needs them.

Parsing Markdown is most of a cold build, and Pelican reads one file after another on one core. When many
articles are not in the content cache (a clean checkout, CI, a changed setting), this plugin parses them in
worker processes and hands the results to the reader cache that Pelican consults next: Pelican then builds
its Article objects exactly as it does from its own on-disk cache (CACHE_CONTENT, reader layer). With few
files to read (an author's incremental build) it does nothing, since starting workers would cost more.
"""
import os
from multiprocessing import get_context

from pelican import signals
from pelican.readers import Readers, _filter_discardable_metadata

MIN_FILES = 64  # below this, one process reads faster than starting workers (PARALLEL_READ_MIN_FILES)
_settings = None


def _read(paths):
    """In a worker: the reader results for these absolute paths, as Pelican's reader cache holds them."""
    readers = Readers(_settings).readers
    out = []
    for path in paths:
        content, metadata = readers[os.path.splitext(path)[1][1:]].read(path)
        out.append((path, content, _filter_discardable_metadata(metadata)))
    return out


def read_ahead(generator):
    global _settings
    settings = generator.settings
    if not settings.get("CACHE_CONTENT") or settings.get("CONTENT_CACHING_LAYER") != "reader":
        return  # the results travel through the reader cache; without it there is nowhere to put them
    cache = generator.readers
    known = set(cache.readers)
    files = generator.get_files(settings["ARTICLE_PATHS"], exclude=settings["ARTICLE_EXCLUDES"])
    paths = [os.path.abspath(os.path.join(generator.path, f)) for f in files]
    todo = [p for p in paths if os.path.splitext(p)[1][1:] in known and cache.get_cached_data(p, (None,))[0] is None]
    workers = os.cpu_count() or 1
    if len(todo) < settings.get("PARALLEL_READ_MIN_FILES", MIN_FILES) or workers < 2:
        return
    _settings = settings  # the forked workers inherit it
    size = max(1, min(50, len(todo) // (workers * 4)))  # small enough to keep every worker busy to the end
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    with get_context("fork").Pool(workers) as pool:
        for results in pool.imap_unordered(_read, chunks):
            for path, content, metadata in results:
                cache.cache_data(path, (content, metadata))


def register():
    signals.article_generator_init.connect(read_ahead)
