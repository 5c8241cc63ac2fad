"""The build's speed-ups (plugins/markdown_reader.py, frozen_urls.py, parallel_build.py) change nothing a visitor
gets."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from bs4 import BeautifulSoup
from site_helpers import text

import pelicanconf
from bench import corpus
from plugins.markdown_reader import reading_minutes

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 12
# Pelican as it comes, with only the plugins that make the site what it is (all but the three speed-ups).
SPEED_UPS = {"markdown_reader", "frozen_urls", "parallel_build"}
PLAIN_PLUGINS = [plugin for plugin in pelicanconf.PLUGINS if plugin not in SPEED_UPS]


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def content_with_articles(tmp_path):
    """The real content/ plus a dozen generated articles, one of them saved under a name of its own."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    corpus.write_corpus(corpus.make_articles(ARTICLES), content / "articles", corpus.pelican_text)
    renamed = content / "articles" / "article-0005.md"
    renamed.write_text(
        renamed.read_text(encoding="utf-8").replace(
            "\n\n", "\nSave_as: blog/renamed/index.html\nURL: blog/renamed/\n\n", 1
        ),
        encoding="utf-8",
    )
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


# What Python is like where many authors write: macOS has no os.sched_getaffinity, and starts worker processes
# by spawn (Windows too). Loaded at start-up through sitecustomize, before Pelican runs.
WITHOUT_AFFINITY = "import os\ndel os.sched_getaffinity\n"
SPAWN = "import multiprocessing\nmultiprocessing.set_start_method('spawn')\n"


@pytest.mark.parametrize(
    "platform", [WITHOUT_AFFINITY, SPAWN, WITHOUT_AFFINITY + SPAWN], ids=["no-sched_getaffinity", "spawn", "macos"]
)
def test_the_site_builds_the_same_where_python_differs(tmp_path, build_site, platform):
    content = content_with_articles(tmp_path)
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "sitecustomize.py").write_text(platform, encoding="utf-8")
    built = build_site(
        tmp_path / "built", content=content, env={"PYTHONPATH": str(tmp_path / "python")}, PARALLEL_MIN_JOBS=2
    )
    plain = build_site(tmp_path / "plain", content=content, PLUGINS=PLAIN_PLUGINS)
    assert files(built) == files(plain)


# A plugin like the sitemap and seo plugins of pelican-plugins: it hears of every file Pelican writes.
RECORDER = """\
import os
import subprocess
import sys
from pelican import signals


def record(path, context):
    with open(os.environ["WRITTEN_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {path}\\n")


def register():
    signals.content_written.connect(record)
"""


def test_a_plugin_listening_to_content_written_hears_of_every_file(tmp_path, build_site):
    content = content_with_articles(tmp_path)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "record_written.py").write_text(RECORDER, encoding="utf-8")
    heard = {}
    for name, plugins in (("built", pelicanconf.PLUGINS), ("plain", PLAIN_PLUGINS)):
        log = tmp_path / f"{name}.log"
        output = build_site(
            tmp_path / name,
            content=content,
            env={"WRITTEN_LOG": str(log)},
            PARALLEL_MIN_JOBS=2,
            PLUGINS=[*plugins, "record_written"],
            PLUGIN_PATHS=[str(ROOT / "plugins"), str(tmp_path / "plugins")],
        )
        lines = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
        heard[name] = sorted(os.path.relpath(path, output) for _, path in lines)
        assert len({pid for pid, _ in lines}) == 1  # in the build's own process, as Pelican sends it
    assert "blog/article-0011/index.html" in heard["built"] and "index.html" in heard["built"]
    assert heard["built"] == heard["plain"]
    assert set(heard["built"]) == {p for p in files(tmp_path / "built") if p.endswith(".html")} | {
        "sitemap.xml",
        "robots.txt",
    }


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
    article.write_text(
        article.read_text(encoding="utf-8").replace(
            "{% block content %}", "{% block content %}{{ no_such_helper() }}", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(AssertionError, match="no_such_helper"):
        build_site(tmp_path / "output", content=content, THEME=str(theme), PARALLEL_MIN_JOBS=2)


# Garbage that only the cycle collector frees, and says so when it is freed.
FREEZE_AT_EXIT = """\
import gc
import parallel_build


class Cycle:
    def __init__(self, name):
        self.name, self.me = name, self

    def __del__(self):
        print("collected", self.name, flush=True)


parallel_build.register()
parallel_build.register()  # as in a test run or a devserver that loads plugins again
Cycle("between builds")
gc.collect()
Cycle("at exit")
"""


def test_the_build_leaves_its_objects_to_the_system_at_exit_but_collects_between_builds(tmp_path):
    script = tmp_path / "freeze.py"
    script.write_text(FREEZE_AT_EXIT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["collected between builds"]


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<p>one</p>",
        "<p>" + "word " * 200 + "</p>",
        "<p>" + "word " * 201 + "</p>",
        '<p>Fish &amp; chips, <a href="/x/">a link&#39;s</a> words</p>' * 90,
        "<pre><code>print(&quot;hi&quot;)</code></pre><p>l&#233;gumes na&#239;ve co-op 3.5 mg/kg</p>" * 40,
        "<table><tr><td>" + "cell<br>" * 250 + "</td></tr></table>",
    ],
)
def test_reading_minutes_counted_when_read_are_what_the_byline_would_count(html):
    # The byline counts an article's minutes itself when its reader gave none (another reader, an older
    # content cache): both counts must agree, or the same article would say two things.
    byline = (ROOT / "theme" / "templates" / "partials" / "byline.html").read_text(encoding="utf-8")
    fallback = jinja2.Environment(autoescape=True).from_string(byline)
    article = type("Article", (), {"content": html, "author": "A"})()
    shown = text(BeautifulSoup(fallback.render(article=article), "html.parser").select_one(".byline"))
    assert shown.endswith(f"· {reading_minutes(html)} min read")
