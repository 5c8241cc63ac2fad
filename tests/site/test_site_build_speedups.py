"""The build's speed-ups (plugins/markdown_reader.py, frozen_urls.py, parallel_build.py) change nothing a visitor gets."""
import shutil
from pathlib import Path

import pytest

from bench import corpus

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 12
# Pelican as it comes, with only the plugins that make the site what it is.
PLAIN_PLUGINS = ["fingerprint", "root_relative_links"]


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def content_with_articles(tmp_path):
    """The real content/ plus a dozen generated articles, one of them saved under a name of its own."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    corpus.write_corpus(corpus.make_articles(ARTICLES), content / "articles", corpus.pelican_text)
    renamed = content / "articles" / "article-0005.md"
    renamed.write_text(renamed.read_text(encoding="utf-8").replace(
        "\n\n", "\nSave_as: blog/renamed/index.html\nURL: blog/renamed/\n\n", 1), encoding="utf-8")
    return content


def test_parallel_build_is_byte_identical_to_plain_pelican(tmp_path, build_site):
    content = content_with_articles(tmp_path)
    # A threshold of 2 makes even this small site render in worker processes.
    parallel = build_site(tmp_path / "parallel", content=content, PARALLEL_MIN_JOBS=2)
    plain = build_site(tmp_path / "plain", content=content, PLUGINS=PLAIN_PLUGINS)
    built = files(parallel)
    assert "blog/article-0011/index.html" in built
    assert "blog/renamed/index.html" in built and "blog/article-0005/index.html" not in built
    assert len(built) > 2 * ARTICLES
    assert built == files(plain)


def test_a_rebuild_rewrites_only_the_pages_that_changed(tmp_path, build_site):
    content = content_with_articles(tmp_path)
    output = build_site(tmp_path / "output", content=content)
    untouched = output / "blog" / "article-0002" / "index.html"
    edited = output / "blog" / "article-0007" / "index.html"
    before = untouched.stat()
    with (content / "articles" / "article-0007.md").open("a", encoding="utf-8") as f:
        f.write("\nA sentence added after the first build.\n")

    build_site(output, content=content, LOAD_CONTENT_CACHE=True, PARALLEL_MIN_JOBS=2)

    assert "A sentence added after the first build." in edited.read_text(encoding="utf-8")
    after = untouched.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list(output.rglob("*.tmp"))


def test_a_template_error_in_a_rendering_process_fails_the_build(tmp_path, build_site):
    content = content_with_articles(tmp_path)
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    article = theme / "templates" / "article.html"
    article.write_text(article.read_text(encoding="utf-8").replace(
        "{% block content %}", "{% block content %}{{ no_such_helper() }}", 1), encoding="utf-8")
    with pytest.raises(AssertionError, match="no_such_helper"):
        build_site(tmp_path / "output", content=content, THEME=str(theme), PARALLEL_MIN_JOBS=2)
