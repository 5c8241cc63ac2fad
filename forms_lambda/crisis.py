"""Crisis language in a contact message, by the one phrase list crisis_phrases.json.

The page's script (theme/static/js/forms.js) applies the same rule to the same list while the visitor types;
tests/forms/crisis_cases.json holds the cases both must agree on. The rule:

1. Normalise the text: Unicode NFKC (full-width and compatibility letters become plain ones), lower case,
   apostrophes dropped ("can't" is "cant"), every run of characters that are not letters or digits (spaces,
   punctuation, line breaks, underscores) one space, none at either end.
2. A phrase, normalised the same way, matches whole words: "overdose" matches "Overdose!" but not "overdoses";
   a word ending in * matches any word it starts ("overdos*" matches "overdoses" and "overdosing").
3. The text is read from left to right; where an exception (a research topic such as "suicide research")
   starts, it is read first, so the crisis words inside it do not count on their own. Any other phrase in the
   same message still does.

It is a keyword match: "I am not suicidal" matches, a crisis said in other words does not (README: staff
guidance). A match only adds help and urgency; it never stops a message.
"""

import json
import re
import unicodedata
from functools import cache
from importlib import resources

APOSTROPHES = re.compile("['\u2018\u2019\u02bc]")
# Python's \w is a letter, a digit or "_": JavaScript's [\p{L}\p{N}].
NOT_A_WORD = re.compile(r"[\W_]+")
ANY_LETTERS = "[^ ]*"  # what a trailing * becomes: the rest of a word of normalised text


def normalise(text):
    text = unicodedata.normalize("NFKC", text).lower()
    return NOT_A_WORD.sub(" ", APOSTROPHES.sub("", text)).strip()


def phrase_pattern(phrase):
    """A phrase of the list as a regular expression over normalised text (letters, digits and single spaces,
    so nothing in it needs escaping)."""
    words = []
    for word in phrase.split():
        stem = normalise(word.removesuffix("*"))
        if not stem:
            raise ValueError(f"crisis phrase {phrase!r}: {word!r} has no letters or digits")
        words.append(stem + (ANY_LETTERS if word.endswith("*") else ""))
    return " ".join(words)


def compile_list(phrase_list):
    """The matcher of a list {"phrases": [...], "exceptions": [...]}: a function text -> bool."""

    def alternatives(key):
        return "|".join(phrase_pattern(p) for p in phrase_list[key]) or "(?!)"

    regex = re.compile(f"(?:^| )(?:({alternatives('exceptions')})|({alternatives('phrases')}))(?= |$)")
    return lambda text: any(m.group(2) for m in regex.finditer(normalise(text)))


@cache
def load_list():
    return json.loads(resources.files(__package__).joinpath("crisis_phrases.json").read_text(encoding="utf-8"))


@cache
def _matcher():
    return compile_list(load_list())


def in_crisis_language(text):
    """True when `text` (a contact message) matches the crisis phrase list; False for anything not text."""
    return isinstance(text, str) and _matcher()(text)
