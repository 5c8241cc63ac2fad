"""Site build: the 1,000-article corpus built by our Pelican config and theme, next to Hugo.

Pelican runs with the project's own pelicanconf.py (and so its theme and plugins); only the content
path, output path and cache path are redirected into bench/.work/. Hugo builds the same articles with
the minimal templates in bench/hugo/. Runs are interleaved: hugo full, pelican full, pelican after
editing one article (content cache on, as an author's `make html` loop would have it).
"""
import shutil
from pathlib import Path

from bench import corpus
from bench.context import run_ok, timed
from bench.table import Row, med

ARTICLES = 1000


def rows(pelican_full=None, pelican_incr=None, hugo_full=None, note=""):
    return [
        Row("Site: full build, 1,000 articles", pelican_full, hugo_full, "s", "Hugo", "<= 2.0x Hugo",
            ("ratio", 2.0), note),
        Row("Site: rebuild after editing 1 article", pelican_incr, hugo_full, "s", "Hugo full",
            "<= 1.0x Hugo full", ("ratio", 1.0), note),
    ]


def unavailable(reason):
    return rows(note=reason)


def article_dir(ctx):
    """Where the project's pelicanconf.py expects articles (first of ARTICLE_PATHS), e.g. 'articles'."""
    code = ("from pelican.settings import read_settings; "
            "s = read_settings('pelicanconf.py'); print((s['ARTICLE_PATHS'] or [''])[0])")
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
            elif not item.suffix == ".md" or subdir:
                content.mkdir(parents=True, exist_ok=True)
                shutil.copy2(item, content / item.name)
    target = content / subdir if subdir else content / "bench-articles"
    corpus.write_corpus(articles, target, corpus.pelican_text)
    return content, target


def prepare_hugo_content(ctx, articles):
    content = ctx.work / "hugo-content"
    shutil.rmtree(content, ignore_errors=True)
    corpus.write_corpus(articles, content / "blog", corpus.hugo_text)
    # Pelican's archives/ lists every article; a Hugo page with its own layout does the same.
    (content / "archives.md").write_text('---\ntitle: "All articles"\nlayout: archives\nurl: /archives/\n---\n')
    return content


def pelican_cmd(ctx, content, output, cache, *, load_cache):
    return [ctx.bin("pelican"), str(content), "-o", str(output), "-s", str(ctx.root / "pelicanconf.py"),
            "-q", "-e", f'CACHE_PATH="{cache}"', "CACHE_CONTENT=true",
            f"LOAD_CONTENT_CACHE={'true' if load_cache else 'false'}"]


def hugo_cmd(ctx, content, output):
    return ["hugo", "--quiet", "-s", str(ctx.root / "bench" / "hugo"), "--contentDir", str(content),
            "-d", str(output)]


def run(ctx):
    if not (ctx.root / "pelicanconf.py").exists():
        return unavailable("n/a (pelicanconf.py not merged yet)")
    if not shutil.which("hugo"):
        return unavailable("n/a (hugo not installed)")
    articles = corpus.make_articles(ARTICLES)
    content, article_path = prepare_pelican_content(ctx, articles)
    hugo_content = prepare_hugo_content(ctx, articles)
    out, cache, hugo_out = ctx.work / "pelican-out", ctx.work / "pelican-cache", ctx.work / "hugo-out"
    env = ctx.env()
    full, incr, hugo = [], [], []
    edited = article_path / f"{articles[ARTICLES // 2].slug}.md"
    for rep in range(max(ctx.reps, 5)):  # about 8 s each, and build times move with the machine's other load
        shutil.rmtree(hugo_out, ignore_errors=True)
        hugo.append(timed(hugo_cmd(ctx, hugo_content, hugo_out)))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        full.append(timed(pelican_cmd(ctx, content, out, cache, load_cache=False), env=env, cwd=ctx.root))
        corpus.edit_article(edited, rep)
        incr.append(timed(pelican_cmd(ctx, content, out, cache, load_cache=True), env=env, cwd=ctx.root))
        ctx.log(f"site rep {rep + 1}: hugo {hugo[-1]:.2f}s, pelican full {full[-1]:.2f}s, "
                f"incremental {incr[-1]:.2f}s")
    return rows(med(full), med(incr), med(hugo))
