"""Site build: the 1,000-article corpus built by our Pelican config and theme, next to Hugo.

Pelican runs with the project's own pelicanconf.py (and so its theme and plugins); only the content
path, output path and cache path are redirected into bench/.work/. Hugo builds the same articles with
the minimal templates in bench/hugo/. Runs are interleaved: hugo full, pelican full, pelican after
editing one article (content cache on, as an author's `make html` loop would have it). The plugins and
pelicanconf.py are compiled to bytecode first, as an author's Python keeps them (`context.compile_bytecode`).
Next to them, the floor Python-Markdown sets: the same articles converted by Python-Markdown alone, with the
site's extensions, on every CPU (`markdown_floor.py`), no Pelican or templates.
Then the same corpus with a 4000-pixel phone photo (about 6 MB, `corpus.make_photo`) as the first image of
50 articles, built from scratch with an empty image cache (every variant made) and with the image cache of
the build before (variants copied), each next to the full build without photos; and the gzip size of the
search index of the 1,000 articles (plugins/search_index.py).
"""

import gzip
import shutil

from bench import corpus
from bench.context import compile_bytecode, run_ok, timed
from bench.table import Row, med

ARTICLES = 1000
PHOTOS = 50  # one article in 20 has a photo
PHOTO_REPS = 2  # a cold build makes 400 variants: about 20 s on two cores
SEARCH_BUDGET_KB = 300


def rows(
    pelican_full=None,
    pelican_incr=None,
    hugo_full=None,
    photos_cold=None,
    photos_warm=None,
    index_kb=None,
    markdown_only=None,
    note="",
):
    return [
        Row(
            "Site: full build, 1,000 articles",
            pelican_full,
            hugo_full,
            "s",
            "Hugo",
            "<= 2.0x Hugo",
            ("ratio", 2.0),
            note,
        ),
        Row(
            "of which Python-Markdown alone, every CPU",
            markdown_only,
            hugo_full,
            "s",
            "Hugo",
            "-",
            None,
            note,
        ),
        Row(
            "Site: rebuild after editing 1 article",
            pelican_incr,
            hugo_full,
            "s",
            "Hugo full",
            "<= 1.0x Hugo full",
            ("ratio", 1.0),
            note,
        ),
        Row(
            "Site: full build + 50 photos, cold image cache",
            photos_cold,
            pelican_full,
            "s",
            "no photos",
            "-",
            None,
            note,
        ),
        Row(
            "Site: full build + 50 photos, warm image cache",
            photos_warm,
            pelican_full,
            "s",
            "no photos",
            "<= 1.5x no photos",
            ("ratio", 1.5),
            note,
        ),
        Row(
            "Search: index of the 1,000 articles, gzip",
            index_kb,
            None,
            "KB",
            "",
            f"<= {SEARCH_BUDGET_KB} KB",
            ("abs", SEARCH_BUDGET_KB),
            note,
        ),
    ]


def unavailable(reason):
    return rows(note=reason)


def article_dir(ctx):
    """Where the project's pelicanconf.py expects articles (first of ARTICLE_PATHS), e.g. 'articles'."""
    code = (
        "from pelican.settings import read_settings; "
        "s = read_settings('pelicanconf.py'); print((s['ARTICLE_PATHS'] or [''])[0])"
    )
    out = run_ok([ctx.python, "-c", code], cwd=ctx.root)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def prepare_pelican_content(ctx, articles):
    """The project's content/ without its own articles (pages, images stay), plus the corpus."""
    content = ctx.work / "pelican-content"
    subdir = article_dir(ctx)
    shutil.rmtree(content, ignore_errors=True)
    source = ctx.root / "content"
    if source.is_dir():
        skip = source / subdir if subdir else None
        for item in source.iterdir():
            if skip is not None and item == skip:
                continue
            if item.is_dir():
                shutil.copytree(item, content / item.name)
            elif item.suffix != ".md" or subdir:
                content.mkdir(parents=True, exist_ok=True)
                shutil.copy2(item, content / item.name)
    target = content / subdir if subdir else content / "bench-articles"
    corpus.write_corpus(articles, target, corpus.pelican_text)
    return content, target


def prepare_photo_content(ctx, content, article_path, articles):
    """A copy of the Pelican content in which every 20th article starts with a phone photo of its own."""
    photos = ctx.work / "photos"  # made once: the same seed gives the same photo
    with_photos = ctx.work / "pelican-content-photos"
    shutil.rmtree(with_photos, ignore_errors=True)
    shutil.copytree(content, with_photos)
    changed = []
    for n, article in enumerate(articles[:: ARTICLES // PHOTOS]):
        name = f"photo-{n:02d}.jpg"
        if not (photos / name).exists():
            corpus.make_photo(photos / name, seed=corpus.SEED + n)
        (with_photos / "images").mkdir(exist_ok=True)
        shutil.copy(photos / name, with_photos / "images" / name)
        changed.append(corpus.with_photo(article, name))
    corpus.write_corpus(changed, with_photos / article_path.relative_to(content), corpus.pelican_text)
    return with_photos


def index_size_kb(output):
    index = next((output / "search").glob("index.*.json"))
    return len(gzip.compress(index.read_bytes(), compresslevel=6, mtime=0)) / 1024


def prepare_hugo_content(ctx, articles):
    content = ctx.work / "hugo-content"
    shutil.rmtree(content, ignore_errors=True)
    corpus.write_corpus(articles, content / "blog", corpus.hugo_text)
    # Pelican's archives/ lists every article; a Hugo page with its own layout does the same.
    (content / "archives.md").write_text('---\ntitle: "All articles"\nlayout: archives\nurl: /archives/\n---\n')
    return content


def pelican_cmd(ctx, content, output, cache, *, load_cache):
    return [
        ctx.bin("pelican"),
        str(content),
        "-o",
        str(output),
        "-s",
        str(ctx.root / "pelicanconf.py"),
        "-q",
        "-e",
        f'CACHE_PATH="{cache}"',
        "CACHE_CONTENT=true",
        f"LOAD_CONTENT_CACHE={'true' if load_cache else 'false'}",
    ]


def hugo_cmd(ctx, content, output):
    return ["hugo", "--quiet", "-s", str(ctx.root / "bench" / "hugo"), "--contentDir", str(content), "-d", str(output)]


def run(ctx):
    if not shutil.which("hugo"):
        return unavailable("n/a (hugo not installed)")
    compile_bytecode(ctx, "plugins", "pelicanconf.py", "bench")
    articles = corpus.make_articles(ARTICLES)
    content, article_path = prepare_pelican_content(ctx, articles)
    hugo_content = prepare_hugo_content(ctx, articles)
    out, cache, hugo_out = ctx.work / "pelican-out", ctx.work / "pelican-cache", ctx.work / "hugo-out"
    env = ctx.env()
    full, incr, hugo, markdown_only = [], [], [], []
    floor = [ctx.python, "-m", "bench.markdown_floor", str(article_path)]
    edited = article_path / f"{articles[ARTICLES // 2].slug}.md"
    for rep in range(max(ctx.reps, 5)):  # about 8 s each, and build times move with the machine's other load
        shutil.rmtree(hugo_out, ignore_errors=True)
        hugo.append(timed(hugo_cmd(ctx, hugo_content, hugo_out)))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        full.append(timed(pelican_cmd(ctx, content, out, cache, load_cache=False), env=env, cwd=ctx.root))
        corpus.edit_article(edited, rep)
        incr.append(timed(pelican_cmd(ctx, content, out, cache, load_cache=True), env=env, cwd=ctx.root))
        markdown_only.append(timed(floor, env=env, cwd=ctx.root))
        ctx.log(
            f"site rep {rep + 1}: hugo {hugo[-1]:.2f}s, pelican full {full[-1]:.2f}s, incremental {incr[-1]:.2f}s, "
            f"Python-Markdown alone {markdown_only[-1]:.2f}s"
        )
    index_kb = index_size_kb(out)
    photo_content = prepare_photo_content(ctx, content, article_path, articles)
    cold, warm = [], []
    for rep in range(PHOTO_REPS):
        for builds, keep_cache in ((cold, False), (warm, True)):
            shutil.rmtree(out, ignore_errors=True)
            if not keep_cache:
                shutil.rmtree(cache, ignore_errors=True)
            builds.append(timed(pelican_cmd(ctx, photo_content, out, cache, load_cache=False), env=env, cwd=ctx.root))
        full.append(timed(pelican_cmd(ctx, content, out, cache, load_cache=False), env=env, cwd=ctx.root))
        ctx.log(
            f"photos rep {rep + 1}: cold image cache {cold[-1]:.2f}s, warm {warm[-1]:.2f}s, no photos {full[-1]:.2f}s"
        )
    return rows(med(full), med(incr), med(hugo), med(cold), med(warm), index_kb, med(markdown_only))
