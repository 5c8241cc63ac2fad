"""The benchmark harness's own logic: a seeded corpus, the table, page weighing. No timings asserted."""

import gzip
import subprocess
import sys

import yaml

import pelicanconf
from bench import corpus, markdown_floor
from bench.page_weight import weigh
from bench.table import Row, format_table


def write_corpus_bytes(tmp_path, name, seed):
    dest = corpus.write_corpus(corpus.make_articles(5, seed=seed), tmp_path / name, corpus.pelican_text)
    return {p.name: p.read_bytes() for p in sorted(dest.iterdir())}


def test_same_seed_writes_the_same_bytes(tmp_path):
    first = write_corpus_bytes(tmp_path, "a", corpus.SEED)
    second = write_corpus_bytes(tmp_path, "b", corpus.SEED)
    other = write_corpus_bytes(tmp_path, "c", corpus.SEED + 1)
    assert len(first) == 5
    assert first == second
    assert first != other


def test_articles_look_like_the_clinic_blog():
    articles = corpus.make_articles(20)
    for a in articles:
        assert 550 <= len(a.body.split()) <= 800
        assert 1 <= len(a.tags) <= 4 and a.category in corpus.CATEGORIES
    text = corpus.pelican_text(articles[0])
    assert text.startswith(f"Title: {articles[0].title}\nDate: ")
    assert f"Slug: {articles[0].slug}\n" in text


def test_hugo_front_matter_matches_the_pelican_metadata():
    a = corpus.make_articles(3)[2]
    _, front, body = corpus.hugo_text(a).split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["title"] == a.title and meta["slug"] == a.slug
    assert meta["tags"] == a.tags and meta["categories"] == [a.category]
    assert body.strip() == a.body.strip()


def test_edit_appends_a_paragraph(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("Title: A\n\nBody.\n")
    corpus.edit_article(path, 1)
    assert path.read_text().startswith("Title: A\n\nBody.\n\n")
    assert len(path.read_text().split()) > 10


def test_table_shows_ratio_target_and_verdict():
    rows = [
        Row("Site: full build", 4.0, 1.6, "s", "Hugo", "<= 2.0x Hugo", ("ratio", 2.0)),
        Row("Forms: throughput", 900, 1500, "req/s", "bare", ">= 0.5x bare", ("ratio", 0.5, "min")),
        Row("Page: requests", 3, 2, "", "Hugo", "<= 4", ("abs", 4)),
        Row("Newsletter", note="n/a (wrk not installed)", target=""),
        Row("Subscribe: known vs new", 5.3, 5.0, "ms", "new", "within 10%", ("ratio", 0.10, "within")),
        Row("Subscribe: known vs new", 5.6, 5.0, "ms", "new", "within 10%", ("ratio", 0.10, "within")),
    ]
    lines = format_table(rows).splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == ["figure", "ours", "peer", "ratio", "target", "met?"]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert cells[0] == ["Site: full build", "4.00 s", "1.60 s (Hugo)", "2.50x", "<= 2.0x Hugo", "NO"]
    assert cells[1][3:] == ["0.60x", ">= 0.5x bare", "yes"]
    assert cells[2][1] == "3" and cells[2][5] == "yes"
    assert cells[3][1] == "n/a (wrk not installed)" and cells[3][5] == "-"
    assert (cells[4][3], cells[4][5]) == ("1.06x", "yes") and (cells[5][3], cells[5][5]) == ("1.12x", "NO")
    assert len({len(line) for line in lines}) == 1  # columns line up


def test_weigh_counts_requests_and_the_critical_path(tmp_path):
    css = b"body{color:#111} @font-face{src:url(../fonts/a.woff2)}" * 20
    (tmp_path / "theme" / "css").mkdir(parents=True)
    (tmp_path / "theme" / "fonts").mkdir()
    (tmp_path / "theme" / "css" / "site.css").write_bytes(css)
    (tmp_path / "theme" / "fonts" / "a.woff2").write_bytes(b"\0" * 500)
    (tmp_path / "theme" / "site.js").write_bytes(b"console.log(1)")
    page = tmp_path / "blog" / "a"
    page.mkdir(parents=True)
    html = (
        b'<html><head><link rel="stylesheet" href="/theme/css/site.css">'
        b'<script src="/theme/site.js" defer></script></head>'
        b'<body><img src="data:image/png;base64,AA==" alt=""><img src="https://cdn.example/x.png" alt="">'
        b"</body></html>"
    )
    (page / "index.html").write_bytes(html)
    result = weigh(tmp_path, "blog/a/index.html")
    # html, css, the font the css loads, js, the other origin's image; a data: URI is no request
    assert result["requests"] == 5
    assert result["external"] == ["https://cdn.example/x.png"]

    def size(data):
        return len(gzip.compress(data, compresslevel=6, mtime=0))

    assert result["critical_kb"] * 1024 == size(html) + size(css)
    assert result["total_kb"] * 1024 == size(html) + size(css) + size(b"\0" * 500) + size(b"console.log(1)")


def test_a_cold_invocation_reports_its_own_memory_not_its_parents():
    """make bench runs the cold section after the site builds have grown its process: getrusage's ru_maxrss
    would report that size for every child (Linux carries it over fork and exec), so RSS read 147 MB for both
    the handler and bare Flask."""
    grown = bytearray(256 * 1024 * 1024)  # the parent, as after the site section
    child = subprocess.run(
        [sys.executable, "-c", "from bench.cold_invoke import peak_rss_mb; print(peak_rss_mb())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(grown) and float(child.stdout) < 64  # a bare interpreter: ~10 MB


def test_markdown_floor_converts_every_article_with_the_sites_extensions(tmp_path):
    corpus.write_corpus(corpus.make_articles(3), tmp_path / "articles", corpus.pelican_text)
    (tmp_path / "articles" / "not-markdown.txt").write_text("skipped")
    out = subprocess.run(
        [sys.executable, "-m", "bench.markdown_floor", str(tmp_path / "articles")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "3"
    extensions = markdown_floor.markdown_settings()["extensions"]
    assert extensions == list(pelicanconf.MARKDOWN["extension_configs"]) and "pymdownx.magiclink" in extensions
