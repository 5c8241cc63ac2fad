"""The authors' content lint: each mistake in the fixture files gives the right file:line message."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.lint_content import lint

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "content-bad"
GOOD = FIXTURES / "content-good"

# (file in content-bad/, line, what the author reads)
EXPECTED_PROBLEMS = [
    ("articles/bad-date.md", 2, "'Date: 2024-02-30' is not a valid date; write it as YYYY-MM-DD"),
    ("articles/bad-date.md", 4, "'Status: publish' is not a status; use published, draft or hidden"),
    ("articles/images.md", 5, "image {static}/images/infusion-room.png has no alt text: describe what it shows"),
    ("articles/images.md", 6, "image {static}/images/waiting-room.jpg not found: there is no file "
                              f"{BAD}/images/waiting-room.jpg"),
    ("articles/images.md", 7, "image https://cdn.example.com/logo.png is on another site"),
    ("articles/images.md", 8, "image /images/infusion-room.png has no alt text"),
    ("articles/links.md", 5, "link {filename}no-such-article.md not found: there is no file "
                             f"{BAD}/articles/no-such-article.md"),
    ("articles/links.md", 6, "link /no-such-page/ does not match any article, page or file of the site"),
    ("articles/links.md", 7, "link {filename}draft.md points at a draft, which is not published"),
    ("articles/links.md", 8, "link first.md points at a Markdown file; write it as {filename}first.md"),
    ("articles/missing-metadata.md", 1, "missing required metadata 'Date:'"),
    ("articles/missing-metadata.md", 1, "missing required metadata 'Summary:'"),
    ("articles/scripts.md", 5, "raw <script> in Markdown"),
    ("articles/scripts.md", 6, "inline event handler onclick= on <button>"),
    ("articles/scripts.md", 7, "inline style= on <p>"),
    ("articles/scripts.md", 8, "javascript: link"),
    ("articles/second.md", 1, f"slug 'same-title-twice' is already used by {BAD}/articles/first.md "
                              "(both would be published at /blog/same-title-twice/); give this one its own 'Slug:'"),
]


def test_each_mistake_gives_its_file_line_message():
    problems = lint(BAD)
    found = [(p.path.relative_to(BAD).as_posix(), p.line, p.message) for p in problems]
    assert len(found) == len(EXPECTED_PROBLEMS), "\n".join(map(str, problems))
    for (path, line, message), (want_path, want_line, want_message) in zip(found, EXPECTED_PROBLEMS):
        assert (path, line) == (want_path, want_line)
        assert message.startswith(want_message), message


def test_command_line_prints_path_line_message_and_exits_1():
    result = subprocess.run([sys.executable, "-m", "deploy.lint_content", "tests/deploy/fixtures/content-bad"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXPECTED_PROBLEMS)
    assert "tests/deploy/fixtures/content-bad/articles/bad-date.md:2: 'Date: 2024-02-30' is not a valid date" \
        in result.stdout
    assert "17 problem(s) in 6 file(s)" in result.stderr


def test_good_content_passes_including_code_samples_drafts_and_future_dates():
    assert [str(p) for p in lint(GOOD)] == []
    result = subprocess.run([sys.executable, "-m", "deploy.lint_content", str(GOOD)], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "content ok: 7 Markdown files checked\n")


@pytest.mark.skipif(not (ROOT / "content").is_dir(), reason="the site's content/ is merged from the site branch")
def test_the_real_content_passes():
    assert [str(p) for p in lint(ROOT / "content")] == []


def test_a_link_to_a_page_that_is_removed_is_caught(tmp_path):
    """The same good content, minus the contact page that an article links to."""
    content = Path(shutil.copytree(GOOD, tmp_path / "content"))
    (content / "pages/contact.md").unlink()
    problems = [str(p) for p in lint(content)]
    assert problems == [f"{content}/articles/ketamine-for-chronic-pain.md:15: link {{filename}}/pages/contact.md#form "
                        f"not found: there is no file {content}/pages/contact.md"]
