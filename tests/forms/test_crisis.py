"""The crisis phrase list (forms_lambda/crisis_phrases.json) is matched the same way by the service
(forms_lambda/crisis.py) and by the page's script (theme/static/js/forms.js, run in Node): one set of cases
(crisis_cases.json, near-misses included), then random texts on which the two must agree."""

import fnmatch
import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from forms_lambda import crisis
from tests.support import ROOT

CASES = json.loads((Path(__file__).parent / "crisis_cases.json").read_text(encoding="utf-8"))
FORMS_JS = ROOT / "theme" / "static" / "js" / "forms.js"
NODE = shutil.which("node") or "/usr/bin/node"
# Reads {"list": ..., "texts": [...]} on stdin, prints whether each text matches, by the page's own code.
NODE_MATCH = """
const {crisisMatcher} = require(process.argv[1]);
let input = "";
process.stdin.on("data", chunk => { input += chunk; });
process.stdin.on("end", () => {
  const {list, texts} = JSON.parse(input);
  const matches = crisisMatcher(list);
  process.stdout.write(JSON.stringify(texts.map(matches)));
});
"""


def page_script_matches(texts, phrase_list=None):
    run = subprocess.run(
        [NODE, "-e", NODE_MATCH, str(FORMS_JS)],
        capture_output=True,
        text=True,
        timeout=60,
        input=json.dumps({"list": phrase_list or crisis.load_list(), "texts": texts}),
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] or "empty" for c in CASES])
def test_the_service_matches_each_case(case):
    assert crisis.in_crisis_language(case["text"]) is case["urgent"], case["why"]


def test_the_page_script_matches_each_case_as_the_service_does():
    got = page_script_matches([c["text"] for c in CASES])
    wrong = [(c["text"], c["why"]) for c, urgent in zip(CASES, got, strict=True) if urgent is not c["urgent"]]
    assert wrong == []


def test_the_cases_cover_the_issues_phrases_and_near_misses():
    urgent = " ".join(crisis.normalise(c["text"]) for c in CASES if c["urgent"])
    for phrase in (
        "suicide",
        "kill myself",
        "end my life",
        "want to die",
        "no reason to live",
        "overdose",
        "hurt myself",
        "self harm",
    ):
        assert phrase in urgent, phrase
    assert {"Do you take part in suicide prevention research?", "The pain is killing me"} <= {
        c["text"] for c in CASES if not c["urgent"]
    }


# Texts that put the list's phrases in every shape normalisation must treat alike in both languages: cases,
# full-width letters, apostrophes, hyphens, underscores, line breaks, spaces of other kinds, combining marks,
# digits of other scripts, emoji, glued to their neighbours or not; and other text around them.
LIST = crisis.load_list()
SEPARATORS = [
    "",
    " ",
    "  ",
    "-",
    "_",
    ".",
    "\n",
    "\t",
    "\u00a0",
    "\u2028",
    "\u2019",
    "'",
    "\u02bc",
    "\u200b",
    "\u0301",
    "\U0001f600",
    "\uff12",
    "\u0663",
    "*",
    "\\",
    "(?!)",
]
OTHER = [
    "I",
    "\u0130",
    "\u01c5",
    "\u03a3",
    "\u00df",
    "\ufb01",
    "\u00e9",
    "e\u0301",
    "me",
    "endless",
    "prevention",
    "research",
    "killing",
    "hope",
    "ok",
]


def fullwidth(word):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


@st.composite
def phrase_texts(draw):
    words = draw(st.sampled_from(LIST["phrases"] + LIST["exceptions"])).split()
    words = [w.replace("*", draw(st.sampled_from(["", "s", "al", "ing", "\u00e9"]))) for w in words]
    words = [draw(st.sampled_from([w, w.upper(), w.title(), fullwidth(w)])) for w in words]
    around = st.lists(st.sampled_from(OTHER + SEPARATORS), max_size=3).map("".join)
    text = draw(around)
    for word in words:
        text += draw(st.sampled_from(SEPARATORS)) + word
    return text + draw(st.sampled_from(SEPARATORS)) + draw(around)


texts = st.one_of(phrase_texts(), st.text(max_size=40))


# No shrinking: each try starts Node, and the texts on which the two disagree are listed anyway.
@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(texts, min_size=100, max_size=100))
def test_service_and_page_script_agree_on_any_text(batch):
    disagree = [
        text
        for text, urgent in zip(batch, page_script_matches(batch), strict=True)
        if urgent is not crisis.in_crisis_language(text)
    ]
    assert disagree == []


def test_the_rule_is_the_same_for_another_list():
    """Not only this list: stars, exceptions, an empty exception list, a phrase written with punctuation."""
    other = {"phrases": ["Can't cope*", "self-harm", "x"], "exceptions": []}
    batch = ["I cant copeing", "cannot cope", "SELF HARM", "selfharm", "x", "xx", "a x b", "self- harm"]
    expected = [True, False, True, False, True, False, True, True]
    assert [crisis.compile_list(other)(t) for t in batch] == expected
    assert page_script_matches(batch, other) == expected


@pytest.mark.parametrize("phrase", ["*", "'", "ok --", "- -"])
def test_a_phrase_without_letters_is_refused(phrase):
    with pytest.raises(ValueError, match="crisis phrase"):
        crisis.compile_list({"phrases": [phrase], "exceptions": []})
    run = subprocess.run(
        [NODE, "-e", NODE_MATCH, str(FORMS_JS)],
        capture_output=True,
        text=True,
        timeout=60,
        input=json.dumps({"list": {"phrases": [phrase], "exceptions": []}, "texts": []}),
    )
    assert run.returncode != 0 and "crisis phrase" in run.stderr


def test_the_list_is_well_formed():
    phrase_list = crisis.load_list()
    for key in ("phrases", "exceptions"):
        patterns = [crisis.phrase_pattern(p) for p in phrase_list[key]]
        assert len(set(patterns)) == len(patterns), f"{key}: a phrase is on the list twice"
    # An exception only makes sense around words that would match on their own.
    for exception in phrase_list["exceptions"]:
        assert crisis.compile_list({**phrase_list, "exceptions": []})(exception), exception
        assert not crisis.in_crisis_language(exception), exception


@pytest.mark.parametrize("value", [None, 12, ["suicide"], {"message": "suicide"}])
def test_anything_but_text_is_not_crisis_language(value):
    assert crisis.in_crisis_language(value) is False


def test_the_list_ships_in_the_package():
    """Read from the package (the Lambda zip copies forms_lambda/ whole; a wheel takes pyproject's package-data)."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    package = ROOT / "forms_lambda"
    data_files = [
        p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
    ]
    assert "crisis_phrases.json" in data_files
    for name in data_files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns["forms_lambda"]), name
