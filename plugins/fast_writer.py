"""Pelican's writer, made faster in two ways that leave every byte of the output the same.

1. Pages are rendered on every core. Rendering the templates is most of a build once Markdown is cheap
   (plugins/commonmark_reader.py), and Pelican renders one page after another on one core. Here each
   generator's pages are collected, then rendered by one forked process per core when there are enough of
   them (a site of 1,000 articles renders about 1,500 pages); an author's small site renders in-process.
   Receivers of Pelican's `content_written` signal run in those processes (no plugin here has one).
2. A file is written only when its bytes change, and replaced atomically. Pelican rewrites every file in
   place; on ext4 closing a file that was truncated and rewritten forces it to disk, 1-3 ms a file, seconds
   for a thousand pages that came out the same. Unchanged files keep their modification time, and a server
   reading output/ during `make devserver` never sees a half-written page.
"""
import io
import os
import weakref
from multiprocessing import get_context

from pelican import signals
from pelican.writers import Writer

MIN_JOBS = 64  # below this, forking costs more than it saves (setting PARALLEL_WRITE_MIN_JOBS)
_writers = weakref.WeakSet()  # to render what a generator without a *_writer_finalized signal left
_forked_jobs = None  # what the forked workers render: (writer, [job, ...]), inherited through fork


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


def _render(indexes):
    """In a worker: render these jobs; return the files written, for the parent's duplicate check."""
    writer, jobs = _forked_jobs
    writer._written_files, writer._overridden_files = set(), set()
    for i in indexes:
        writer.render(jobs[i])
    return writer._written_files


class FastWriter(Writer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._jobs = []
        _writers.add(self)

    def write_file(self, name, template, context, *args, override_output=False, **kwargs):
        # The context is copied now, as Pelican copies it when it renders at once.
        self._jobs.append((name, template, context.copy(), args, dict(kwargs, override_output=override_output)))

    def render(self, job):
        name, template, context, args, kwargs = job
        super().write_file(name, template, context, *args, **kwargs)

    def render_pending(self):
        jobs, self._jobs = self._jobs, []
        workers = len(os.sched_getaffinity(0))
        if len(jobs) >= self.settings.get("PARALLEL_WRITE_MIN_JOBS", MIN_JOBS) and workers > 1:
            # A page that may replace another's file (a direct template, a `Save_as:` line) is rendered here,
            # after the others, so that Pelican's rules for a file written twice apply to it as in one process.
            self._render_in_workers([job for job in jobs if not job[4]["override_output"]], workers)
            jobs = [job for job in jobs if job[4]["override_output"]]
        for job in jobs:
            self.render(job)

    def _render_in_workers(self, jobs, workers):
        global _forked_jobs
        if not jobs:
            return
        # Content resolves its {filename}/{attach} links on first use, and {attach} moves the linked file:
        # that must happen here, where the static generator will copy the files, not in a worker.
        for content in jobs[0][2].get("generated_content", {}).values():
            if content is not None:  # a file that failed to read
                content.get_content(content.get_siteurl())
        _forked_jobs = (self, jobs)
        size = max(1, min(25, len(jobs) // (workers * 4)))  # small enough to keep every worker busy to the end
        chunks = [range(i, min(i + size, len(jobs))) for i in range(0, len(jobs), size)]
        try:
            with get_context("fork").Pool(workers) as pool:
                for written in pool.imap_unordered(_render, chunks):
                    twice = self._written_files & written
                    if twice:  # what Pelican says when two pages would write the same file
                        raise RuntimeError(f"File {sorted(twice)[0]} is to be overwritten")
                    self._written_files |= written
        finally:
            _forked_jobs = None

    def _open_w(self, filename, encoding, override=False):
        # Pelican's rules for a file written twice stay the parent's: it raises, or skips to os.devnull.
        if filename in self._overridden_files or (filename in self._written_files and not override):
            return super()._open_w(filename, encoding, override)
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return _ReplaceIfChanged(filename, encoding)


def get_writer(pelican):
    return FastWriter


def render_pending(generator, writer):
    writer.render_pending()


def render_all_pending(pelican):
    for writer in list(_writers):
        writer.render_pending()


def register():
    signals.get_writer.connect(get_writer)
    signals.article_writer_finalized.connect(render_pending)
    signals.page_writer_finalized.connect(render_pending)
    signals.finalized.connect(render_all_pending)
