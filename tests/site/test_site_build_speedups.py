"""The build's speed-ups (plugins/parallel_read.py, plugins/write_if_changed.py) change nothing a visitor gets."""
import shutil
from pathlib import Path

import pelicanconf
from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings

from bench import corpus
from plugins import parallel_read

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 12


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def content_with_articles(tmp_path):
    """The real content/ plus a dozen generated articles, enough for the parallel reader at a low threshold."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    corpus.write_corpus(corpus.make_articles(ARTICLES), content / "articles", corpus.pelican_text)
    return content


def test_parallel_reading_fills_the_reader_cache_with_what_the_reader_reads(tmp_path):
    content = content_with_articles(tmp_path)
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={
        "PATH": str(content), "CACHE_PATH": str(tmp_path / "cache"), "LOAD_CONTENT_CACHE": False,
        # An earlier in-process build may have left the plugin connected to Pelican's signals, which would read
        # ahead while the generator is built: make that a no-op, then lower the threshold for the call under test.
        "PARALLEL_READ_MIN_FILES": 10**9})
    generator = ArticlesGenerator(context=settings.copy(), settings=settings, path=settings["PATH"],
                                  theme=settings["THEME"], output_path=str(tmp_path / "output"))
    paths = sorted((content / "articles").glob("*.md"))
    assert all(generator.readers.get_cached_data(str(p)) is None for p in paths)

    generator.settings["PARALLEL_READ_MIN_FILES"] = 2
    parallel_read.read_ahead(generator)

    reader = generator.readers.readers["md"]
    for path in paths:
        cached_content, cached_metadata = generator.readers.get_cached_data(str(path))
        expected_content, expected_metadata = reader.read(str(path))
        assert cached_content == expected_content
        assert cached_metadata["title"] == expected_metadata["title"]
        assert [str(t) for t in cached_metadata["tags"]] == [str(t) for t in expected_metadata["tags"]]


def test_parallel_and_serial_builds_are_byte_identical(tmp_path, build_site):
    content = content_with_articles(tmp_path)
    parallel = build_site(tmp_path / "parallel", content=content, PARALLEL_READ_MIN_FILES=2)
    serial = build_site(tmp_path / "serial", content=content,
                        PLUGINS=[p for p in pelicanconf.PLUGINS if p != "parallel_read"])
    built = files(parallel)
    assert "blog/article-0011/index.html" in built
    assert built == files(serial)


def test_a_rebuild_rewrites_only_the_pages_that_changed(tmp_path, build_site):
    content = content_with_articles(tmp_path)
    output = build_site(tmp_path / "output", content=content)
    untouched = output / "blog" / "article-0002" / "index.html"
    edited = output / "blog" / "article-0007" / "index.html"
    before = untouched.stat()
    with (content / "articles" / "article-0007.md").open("a", encoding="utf-8") as f:
        f.write("\nA sentence added after the first build.\n")

    build_site(output, content=content, LOAD_CONTENT_CACHE=True)

    assert "A sentence added after the first build." in edited.read_text(encoding="utf-8")
    after = untouched.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list(output.rglob("*.tmp"))
