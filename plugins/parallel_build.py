"""Read and render a big site on every core, and write only the files whose bytes change.

Pelican reads one file after another and renders one page after another, on one core. For a site with many
files (the bench's 1,000 articles, `make bench`) this plugin
1. reads the articles and pages that are not in the content cache in worker processes first, each with
   Pelican's own readers, and hands the results to the generator's reader cache (CACHE_CONTENT with
   CONTENT_CACHING_LAYER "reader"): Pelican then builds its objects from them as from its on-disk cache;
2. renders the pages in worker processes with Pelican's Writer.write_file (FastWriter, given to Pelican through
   its `get_writer` signal, collects what the generators ask it to write and renders it all at once);
3. writes a file only when its bytes change, and replaces it atomically. Pelican rewrites every file in
   place; on ext4 closing a file that was truncated and rewritten forces it to disk, 1-3 ms a file, seconds
   for a thousand pages that came out the same. Unchanged files keep their modification time, and a server
   reading output/ during `make devserver` never sees a half-written page.

The files each rendering wrote are known from Pelican's `content_written` signal; Pelican's rules for a file
written twice (an error, unless one of the pages may override the other) apply across all processes.

Workers are forked: they inherit what they need from this process. Where processes start otherwise (spawn
on macOS and Windows, or a process that chose another start method) everything happens in this process, as it
also does below PARALLEL_MIN_JOBS files (an author's small site: starting workers would cost more). When
another plugin listens to `content_written`, FastWriter renders each page in this process when Pelican asks
for it: such receivers (a sitemap plugin, say) expect to see every file where and when it is written.
"""

import atexit
import gc
import io
import multiprocessing
import os
import weakref

from pelican import signals
from pelican.generators import ArticlesGenerator
from pelican.readers import Readers
from pelican.writers import FileOverwriteFailedError, Writer

MIN_JOBS = 64  # below this, starting workers costs more than they save (setting PARALLEL_MIN_JOBS)
_writers = weakref.WeakSet()  # to render what a generator without a *_writer_finalized signal left
_forked = None  # what forked workers work on, inherited through fork


def worker_count():
    """Processes to share the work: one per CPU where workers start by fork, else 1. (On Python 3.13 and later
    the CPUs this process may use; os.sched_getaffinity, which says so earlier, is missing on macOS.)"""
    method = multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]
    if method != "fork":
        return 1  # spawned workers would have to pickle every page with its context
    return (getattr(os, "process_cpu_count", None) or os.cpu_count)() or 1  # process_cpu_count: Python 3.13


def in_workers(function, count, workers):
    """function(range) on chunks of range(count) in forked processes; yields each chunk's result."""
    size = max(1, min(25, count // (workers * 4)))  # small enough to keep every worker busy to the end
    chunks = [range(i, min(i + size, count)) for i in range(0, count, size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap_unordered(function, chunks)


def parallel(settings, count):
    workers = worker_count()
    return workers if workers > 1 and count >= settings.get("PARALLEL_MIN_JOBS", MIN_JOBS) else 1


# 1. Reading


def _read(indexes):
    """In a worker: (absolute path, what the reader cache holds for it) for these files."""
    base, files, readers = _forked
    results = []
    for i in indexes:
        try:
            readers.read_file(base, files[i])
        except Exception:  # Pelican reports it when it reads the file itself
            continue
        path = os.path.abspath(os.path.join(base, files[i]))
        results.append((path, readers.get_cached_data(path)))
    return results


def read_ahead(generator, kind):
    global _forked
    settings, cache = generator.settings, generator.readers
    if not settings["CACHE_CONTENT"] or settings["CONTENT_CACHING_LAYER"] != "reader":
        return  # the results reach Pelican through the reader cache; without it there is nowhere to put them
    files = sorted(generator.get_files(settings[f"{kind}_PATHS"], exclude=settings[f"{kind}_EXCLUDES"]))
    todo = [f for f in files if cache.get_cached_data(os.path.abspath(os.path.join(generator.path, f))) is None]
    workers = parallel(settings, len(todo))
    if workers == 1:
        return
    # The workers' readers cache what they read (in memory), which is what Pelican's cache holds for a file.
    readers = Readers({**settings, "LOAD_CONTENT_CACHE": False}, cache_name="read-ahead")
    _forked = (generator.path, todo, readers)
    try:
        for results in in_workers(_read, len(todo), workers):
            for path, data in results:
                cache.cache_data(path, data)
    finally:
        _forked = None


def read_generator_ahead(generator):
    read_ahead(generator, "ARTICLE" if isinstance(generator, ArticlesGenerator) else "PAGE")


# 2. and 3. Rendering and writing


def _render(writer, jobs):
    """Render jobs with Pelican's Writer.write_file: [(file written, may override another), ...]."""
    written, paths = [], []

    def collect(path, context):
        paths.append(path)

    signals.content_written.connect(collect)
    try:
        for name, template, context, args, kwargs in jobs:
            Writer.write_file(writer, name, template, context, *args, **kwargs)
            written += [(path, bool(kwargs.get("override_output"))) for path in paths]
            paths.clear()
    finally:
        signals.content_written.disconnect(collect)
    return written


def _render_chunk(indexes):
    """In a worker: render these jobs."""
    writer, jobs = _forked
    return _render(writer, [jobs[i] for i in indexes])


class _ReplaceIfChanged(io.StringIO):
    """Collects the text; on close, replaces the file at `path` if its bytes differ."""

    def __init__(self, path, encoding):
        super().__init__()
        self.path, self.target_encoding = path, encoding

    def close(self):
        if not self.closed:
            data = self.getvalue().encode(self.target_encoding)
            try:
                with open(self.path, "rb") as f:
                    unchanged = f.read() == data
            except OSError:
                unchanged = False
            if not unchanged:
                tmp = f"{self.path}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    f.write(data)
                os.replace(tmp, self.path)
        super().close()


class FastWriter(Writer):
    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings)
        self._jobs = []
        self._written, self._overridden = set(), set()  # files rendered in this build, by every process
        _writers.add(self)

    def write_file(self, name, template, context, *args, **kwargs):
        job = (name, template, context.copy(), args, kwargs)  # copied now, as Pelican copies it
        if signals.content_written.receivers:  # another plugin listens (see the module's doc)
            self._record(_render(self, [job]))
        else:
            self._jobs.append(job)

    def render_pending(self):
        global _forked
        jobs, self._jobs = self._jobs, []
        # A page that may replace another's file (a `Save_as:` line) is rendered here, after the others, as
        # Pelican's rules for a file written twice expect: the replaced file is written first.
        others = [job for job in jobs if not job[4].get("override_output")]
        overriding = [job for job in jobs if job[4].get("override_output")]
        workers = parallel(self.settings, len(others))
        if workers > 1:
            self._resolve_links(others)
            _forked = (self, others)
            try:
                for written in in_workers(_render_chunk, len(others), workers):
                    self._record(written)
            finally:
                _forked = None
            others = []
        for job in others + overriding:
            self._record(_render(self, [job]))

    @staticmethod
    def _resolve_links(jobs):
        # Content resolves its {filename}/{attach} links on first use, and {attach} moves the linked file:
        # that must happen here, where the static generator will copy the files, not in a worker.
        for content in jobs[0][2].get("generated_content", {}).values():
            if content is not None:  # a file that failed to read
                content.get_content(content.get_siteurl())

    def _record(self, written):
        """Pelican's Writer rules for a file written twice, over the files every process wrote."""
        for path, override in written:
            if path in self._overridden:
                if override:
                    raise FileOverwriteFailedError(
                        f'Failed to overwrite "{path}" a second time (was previously overwritten)'
                    )
            elif path in self._written and not override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{path}" as Pelican has already '
                    "written to it previously (set `override=True` if intended)"
                )
            if override:
                self._overridden.add(path)
            self._written.add(path)

    def _open_w(self, filename, encoding, override=False):
        # The one private method of Pelican's overridden here: Pelican has no public way to say how a file
        # is written (rendering into a scratch folder instead costs seconds: bench/README.md).
        if filename in self._overridden and not override:
            return open(os.devnull, "w", encoding=encoding)  # Pelican keeps the page that overrode it
        return _ReplaceIfChanged(filename, encoding)


def get_writer(pelican):
    return FastWriter


def render_pending(generator, writer):
    writer.render_pending()


def render_all_pending(pelican):
    for writer in list(_writers):
        writer.render_pending()


def register():
    # A build leaves millions of objects, which the collector would walk once more at exit only for the process
    # to end (0.2 s of a 1,000-article rebuild). Frozen at exit, they are left to the operating system. At
    # exit only: `make devserver` builds again and again in one process and must collect between builds.
    atexit.unregister(gc.freeze)  # once, however often Pelican registers the plugin
    atexit.register(gc.freeze)
    signals.article_generator_init.connect(read_generator_ahead)
    signals.page_generator_init.connect(read_generator_ahead)
    signals.get_writer.connect(get_writer)
    signals.article_writer_finalized.connect(render_pending)
    signals.page_writer_finalized.connect(render_pending)
    signals.finalized.connect(render_all_pending)
