"""Write an output file only when its bytes change, and replace a changed one atomically.

Pelican renders every page on every build and rewrites every file in place. On ext4 (our disks) closing a
file that was truncated and rewritten forces it to disk: 1-3 ms a file, seconds for a thousand pages that
came out the same. Comparing first costs one read from the page cache. Unchanged files also keep their
modification time, and a server reading output/ during `make devserver` never sees a half-written page.
"""
import io
import os

from pelican import signals
from pelican.writers import Writer


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


class ChangedOnlyWriter(Writer):
    def _open_w(self, filename, encoding, override=False):
        # Pelican's rules for a file written twice stay the parent's: it raises, or skips to os.devnull.
        if filename in self._overridden_files or (filename in self._written_files and not override):
            return super()._open_w(filename, encoding, override)
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return _ReplaceIfChanged(filename, encoding)


def get_writer(pelican):
    return ChangedOnlyWriter


def register():
    signals.get_writer.connect(get_writer)
