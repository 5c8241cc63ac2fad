"""The authors' content lint: each mistake in the fixture files gives the right file:line message."""

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from deploy.lint_content import lint

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "content-bad"
GOOD = FIXTURES / "content-good"
TODAY = date(2026, 12, 1)  # the day the tests check reviews against: never the real date

# (file in content-bad/, line, what the author reads); "warning: " ones do not fail the check
EXPECTED_PROBLEMS = [
    ("articles/bad-date.md", 2, "'Date: 2024-02-30' is not a valid date; write it as YYYY-MM-DD"),
    ("articles/bad-date.md", 4, "'Status: publish' is not a status; use published, draft or hidden"),
    ("articles/footnotes.md", 5, "footnote [^age] has no note: add a line '[^age]: ...' naming the source"),
    ("articles/images.md", 5, "image {static}/images/infusion-room.png has no alt text: describe what it shows"),
    (
        "articles/images.md",
        5,
        "warning: image {static}/images/infusion-room.png is 1 pixels wide: the first image "
        "of an article spans the column",
    ),
    (
        "articles/images.md",
        6,
        f"image {{static}}/images/waiting-room.jpg not found: there is no file {BAD}/images/waiting-room.jpg",
    ),
    ("articles/images.md", 7, "image https://cdn.example.com/logo.png is on another site"),
    ("articles/images.md", 8, "image /images/infusion-room.png has no alt text"),
    (
        "articles/links.md",
        5,
        f"link {{filename}}no-such-article.md not found: there is no file {BAD}/articles/no-such-article.md",
    ),
    ("articles/links.md", 6, "link /no-such-page/ does not match any article, page or file of the site"),
    ("articles/links.md", 7, "link {filename}draft.md points at a draft, which is not published"),
    ("articles/links.md", 8, "link first.md points at a Markdown file; write it as {filename}first.md"),
    ("articles/missing-metadata.md", 1, "missing required metadata 'Date:'"),
    ("articles/missing-metadata.md", 1, "missing required metadata 'Summary:'"),
    ("articles/review-before-date.md", 5, "'Reviewed-On: 2026-02-01' is before the article's Date (2026-03-01)"),
    ("articles/review-future.md", 5, "'Reviewed-On: 2999-01-01' is in the future"),
    ("articles/review-incomplete.md", 4, "'Reviewed-By:' without 'Reviewed-On:'"),
    (
        "articles/review-names.md",
        4,
        f"'Author: nobody-here' is not a person of the site: there is no {BAD}/people/nobody-here.md",
    ),
    (
        "articles/review-names.md",
        5,
        f"'Reviewed-By: someone-else' is not a person of the site: there is no {BAD}/people/someone-else.md",
    ),
    ("articles/review-stale.md", 5, "warning: the medical review of 2019-02-01 is more than 12 months old"),
    ("articles/scripts.md", 5, "raw <script> in Markdown"),
    ("articles/scripts.md", 6, "inline event handler onclick= on <button>"),
    ("articles/scripts.md", 7, "inline style= on <p>"),
    ("articles/scripts.md", 8, "javascript: link"),
    (
        "articles/second.md",
        1,
        f"slug 'same-title-twice' is already used by {BAD}/articles/first.md "
        "(both would be published at /blog/same-title-twice/); give this one its own 'Slug:'",
    ),
    ("people/pat-lee.md", 1, "missing required metadata 'Credentials:'"),
    ("people/pat-lee.md", 1, "missing required metadata 'Role:'"),
    (
        "people/pat-lee.md",
        2,
        f"image {{static}}/images/pat-lee.jpg not found: there is no file {BAD}/images/pat-lee.jpg",
    ),
]
ERRORS = [p for p in EXPECTED_PROBLEMS if not p[2].startswith("warning: ")]


def test_each_mistake_gives_its_file_line_message():
    problems = lint(BAD, today=TODAY)
    found = [
        (p.path.relative_to(BAD).as_posix(), p.line, ("warning: " if p.warning else "") + p.message) for p in problems
    ]
    assert len(found) == len(EXPECTED_PROBLEMS), "\n".join(map(str, problems))
    for (path, line, message), (want_path, want_line, want_message) in zip(found, EXPECTED_PROBLEMS, strict=True):
        assert (path, line) == (want_path, want_line)
        assert message.startswith(want_message), message


def test_command_line_prints_path_line_message_and_exits_1():
    result = subprocess.run(
        [sys.executable, "-m", "deploy.lint_content", "tests/deploy/fixtures/content-bad"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXPECTED_PROBLEMS)
    assert (
        "tests/deploy/fixtures/content-bad/articles/bad-date.md:2: 'Date: 2024-02-30' is not a valid date"
        in result.stdout
    )
    assert "tests/deploy/fixtures/content-bad/articles/review-stale.md:5: warning: the medical review" in result.stdout
    files = len({path for path, _, message in ERRORS})
    assert f"{len(ERRORS)} problem(s) in {files} file(s), and 2 warning(s)" in result.stderr


def test_the_publish_check_makes_a_stale_review_an_error():
    problems = lint(BAD, today=TODAY, publishing=True)
    stale = [p for p in problems if p.path.name == "review-stale.md"]
    assert [(p.line, p.warning) for p in stale] == [(5, False)]
    result = subprocess.run(
        [sys.executable, "-m", "deploy.lint_content", "--publish", "tests/deploy/fixtures/content-bad"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert "review-stale.md:5: the medical review of 2019-02-01 is more than 12 months old" in result.stdout


def review(tmp_path, reviewed_on, published="2025-06-01"):
    """A copy of the good content with one article reviewed on that day."""
    content = Path(shutil.copytree(GOOD, tmp_path / "content"))
    (content / "articles" / "reviewed.md").write_text(
        f"Title: Reviewed\nDate: {published}\nSummary: s.\nReviewed-By: dana-reyes\nReviewed-On: {reviewed_on}\n\n"
        "Text.\n",
        encoding="utf-8",
    )
    return content


@pytest.mark.parametrize(
    "reviewed_on,problem",
    [
        ("2025-12-01", None),  # exactly 12 months before TODAY: still current
        ("2025-11-30", "warning: the medical review of 2025-11-30 is more than 12 months old"),
        ("2026-12-01", None),  # today
        ("2026-12-02", "'Reviewed-On: 2026-12-02' is in the future"),
        ("2025-05-31", "'Reviewed-On: 2025-05-31' is before the article's Date (2025-06-01)"),
        ("2026-02-30", "'Reviewed-On: 2026-02-30' is not a valid date"),
    ],
)
def test_review_dates_around_the_limits(tmp_path, reviewed_on, problem):
    content = review(tmp_path, reviewed_on)
    found = [("warning: " if p.warning else "") + p.message for p in lint(content, today=TODAY)]
    assert [f for f in found if problem and f.startswith(problem)] == ([found[0]] if problem else [])
    assert len(found) == (1 if problem else 0), found


def test_images_too_big_or_too_narrow_are_warnings(tmp_path):
    content = Path(shutil.copytree(GOOD, tmp_path / "content"))
    Image.new("RGB", (479, 300)).save(content / "images" / "narrow.png")
    huge = content / "images" / "huge.jpg"
    Image.new("RGB", (2000, 1500)).save(huge)
    with huge.open("r+b") as f:
        f.truncate(21 * 2**20)  # a 21 MB file (the tail is zeros: Pillow reads only the header)
    (content / "articles" / "photos.md").write_text(
        "Title: Photos\nDate: 2025-06-01\nSummary: s.\n\n![A narrow picture]({static}/images/narrow.png)\n\n"
        "![A huge photo]({static}/images/huge.jpg)\n",
        encoding="utf-8",
    )
    found = [str(p).replace(str(content), "") for p in lint(content, today=TODAY)]
    assert found == [
        "/articles/photos.md:5: warning: image {static}/images/narrow.png is 479 pixels wide: the first image of an "
        "article spans the column and is its picture when shared; use one at least 480 pixels wide",
        "/articles/photos.md:7: warning: image {static}/images/huge.jpg is 21 MB: export it smaller (at most 20 MB; "
        "4000 pixels wide is plenty)",
    ]
    result = subprocess.run([sys.executable, "-m", "deploy.lint_content", str(content)], capture_output=True, text=True)
    assert result.returncode == 0  # warnings do not stop a pull request
    assert result.stdout.endswith("content ok: 9 Markdown files checked, 2 warning(s) above\n")


def test_good_content_passes_including_code_samples_drafts_and_future_dates():
    assert [str(p) for p in lint(GOOD)] == []
    result = subprocess.run([sys.executable, "-m", "deploy.lint_content", str(GOOD)], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "content ok: 8 Markdown files checked\n")


def test_the_real_content_passes():
    assert [str(p) for p in lint(ROOT / "content")] == []


def test_a_link_to_a_page_that_is_removed_is_caught(tmp_path):
    """The same good content, minus the contact page that an article links to."""
    content = Path(shutil.copytree(GOOD, tmp_path / "content"))
    (content / "pages/contact.md").unlink()
    problems = [str(p) for p in lint(content)]
    assert problems == [
        f"{content}/articles/ketamine-for-chronic-pain.md:15: link {{filename}}/pages/contact.md#form "
        f"not found: there is no file {content}/pages/contact.md"
    ]


HEADER = "Title: Markup\nDate: 2025-06-01\nSummary: s.\n\n"  # the body starts on line 5


@pytest.mark.parametrize(
    "body,expected",
    [
        pytest.param(
            "Intro.\n\nSee [the page][gone] and [again][GONE].\n\n[gone]: /no-such-page/ 'Gone'\n",
            [
                (7, "link /no-such-page/ does not match any article, page or file of the site"),
                (7, "link /no-such-page/ does not match any article, page or file of the site"),
            ],
            id="reference links, reported where they are used",
        ),
        pytest.param(
            "See [the page][].\n\n[the page]: {filename}gone.md\n",
            [(5, "link {filename}gone.md not found")],
            id="collapsed reference",
        ),
        pytest.param("[unused]: /no-such-page/\n\nText.\n", [], id="a definition nobody uses links nowhere"),
        pytest.param(
            "Write `[x](/no-such-page/)` or `![](/nowhere.png)` or `[^none]`:\n\n```md\n[x](/no-such-page/)\n"
            "<script>alert(1)</script>\n```\n\n~~~\n![](/nowhere.png)\n~~~\n\n    [x](/indented-code/)\n\n"
            "And \\[not a link](/escaped/).\n\n<!-- [x](/no-such-page/) <script> -->\n",
            [],
            id="code spans, fenced and indented code, escaped brackets, HTML comments",
        ),
        pytest.param(
            "Text.\n\n![A title]({static}/images/gone.png \"The title\")\n\n![Quoted](/images/gone.jpg 'Title')\n",
            [
                (7, "image {static}/images/gone.png not found: there is no file CONTENT/images/gone.png"),
                (9, "image /images/gone.jpg does not match any article, page or file of the site"),
            ],
            id="images with titles",
        ),
        pytest.param(
            "[spaced](</no such page/>) and <https://example.org/> and [ok](<{filename}/pages/about.md>)\n\n"
            "Mail <someone@example.org> or www.example.org or someone@example.org.\n",
            [(5, "link /no such page/ does not match")],
            id="angle-bracket addresses, bare addresses",
        ),
        pytest.param(
            "- one\n- two, [nested](/no-such-list/)\n    1. [deeper][d]\n\n> quoted [link](/no-such-quote/)\n\n"
            "[d]: /no-such-deeper/\n",
            [
                (6, "link /no-such-list/ does not match"),
                (7, "link /no-such-deeper/ does not match"),
                (9, "link /no-such-quote/ does not match"),
            ],
            id="lists and quotes",
        ),
        pytest.param(
            "Claim.[^a] Another.[^b]\n\n[^a]: See [the study](/no-such-study/).\n\nMore text.[^missing]\n\n"
            "[^b]: Fine.\n",
            [
                (7, "link /no-such-study/ does not match"),
                (9, "footnote [^missing] has no note: add a line '[^missing]: ...' naming the source"),
            ],
            id="footnotes: a link in a note, a marker without one",
        ),
        pytest.param(
            "```\n[x]({filename}gone.md)\n```\n\nOne\ntwo [a link that\nwraps]({filename}gone.md) three.\n",
            [(11, "link {filename}gone.md not found")],
            id="a {filename} link after a fence, wrapped over two lines",
        ),
        pytest.param(
            "![A pump][pump] and ![No such][nope]\n\n[pump]: /images/gone.png\n",
            [
                (5, "image /images/gone.png does not match"),
                (5, "image reference [nope] is not defined anywhere in this file"),
            ],
            id="image references",
        ),
        pytest.param(
            '- item with <a href="/no-such-html/">raw HTML</a>\n\n<div>\n<img src="/images/gone.png" alt="x">\n'
            "</div>\n",
            [
                (5, "link /no-such-html/ does not match"),
                (8, "image /images/gone.png does not match"),
            ],
            id="raw HTML inline and in a block",
        ),
    ],
)
def test_links_and_images_are_read_as_markdown_reads_them(tmp_path, body, expected):
    content = Path(shutil.copytree(GOOD, tmp_path / "content"))
    (content / "articles" / "markup.md").write_text(HEADER + body, encoding="utf-8")
    found = [(p.line, p.message.replace(str(content), "CONTENT")) for p in lint(content, today=TODAY)]
    assert len(found) == len(expected), found
    for (line, message), (want_line, want) in zip(found, expected, strict=True):
        assert (line, message[: len(want)]) == (want_line, want)
