"""Live reload is for `make devserver` only: its builds load /livereload.js and write a stamp per build; `make
html` and `make publish` builds have neither. (test_devserver.py watches a browser reload itself.)"""

import pytest

from tests.support.clinic_site import ROOT

SCRIPT_TAG = '<script src="/livereload.js" defer></script>'


def test_html_builds_have_no_live_reload(built_site, html_files):
    assert not (built_site / "livereload.js").exists() and not (built_site / "livereload.txt").exists()
    assert [path for path, soup in html_files if soup.find("script", src="/livereload.js")] == []


def test_devserver_builds_reload_and_a_later_plain_build_removes_it(tmp_path, build_site):
    output = build_site(tmp_path / "output", env={"LIVE_RELOAD": "1"})
    assert SCRIPT_TAG in (output / "index.html").read_text(encoding="utf-8")
    assert SCRIPT_TAG in (output / "blog/ketamine-for-chronic-pain/index.html").read_text(encoding="utf-8")
    assert (output / "livereload.js").read_bytes() == (ROOT / "plugins" / "live_reload.js").read_bytes()
    first = (output / "livereload.txt").read_text()
    build_site(output, env={"LIVE_RELOAD": "1"})
    assert (output / "livereload.txt").read_text() != first  # each build: the browser sees a new stamp
    build_site(output, env={"LIVE_RELOAD": "0"})
    assert not (output / "livereload.js").exists() and not (output / "livereload.txt").exists()
    assert SCRIPT_TAG not in (output / "index.html").read_text(encoding="utf-8")


def test_publish_builds_never_reload_whatever_the_environment(tmp_path, build_site):
    output = build_site(tmp_path / "output", settings="publishconf.py", env={"LIVE_RELOAD": "1"})
    assert not (output / "livereload.js").exists()
    assert SCRIPT_TAG not in (output / "index.html").read_text(encoding="utf-8")


def test_a_wrong_value_stops_the_build_naming_the_variable(tmp_path, build_site):
    with pytest.raises(AssertionError, match="LIVE_RELOAD must be 0 or 1, not 'yes'"):
        build_site(tmp_path / "output", env={"LIVE_RELOAD": "yes", "COLUMNS": "300"})  # one line a message
