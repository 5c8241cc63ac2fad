"""The site's search index, built with the site and served from it: /search/index.<hash>.json.

Every published article, page and person is a document: its address, title, summary and date, and the words
of its title, summary, tags, category, authors and text. The index lists each word once, sorted, with the
documents it occurs in; theme/static/js/search.js (loaded by /search/ only) finds the documents holding every
word typed, each word as the start of a word of the document ("infus" finds "infusions").

Format (JSON): {"pages": [[url, title, summary, date], ...], "words": [...sorted...], "postings": [...],
"stop": [...]}: postings[i] lists the documents of words[i] as the gaps between their numbers, in base 36,
comma-separated ("0,2,a": documents 0, 2 and 12). The words in "stop" (the, and, ...) are not indexed: too
common to tell documents apart. Sizes, gzip: 64 KB for the 1,000 articles of `make bench` (a small
vocabulary), about 200 KB for 1,000 chunks of 650 words of real English prose (docs/content.md).
"""

import hashlib
import html
import json
import pickle
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from pelican import signals

WORD = re.compile(r"[^\W_]+")
TAG = re.compile(r"<[^>]*>")
LONGEST_WORD = 40  # longer "words" are codes and fragments of links: nobody types them
STOP_WORDS = sorted(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    }
)
_index_url = []  # ["/search/index.<hash>.json"] once the build has made it
_index_data = []


def words(text):
    """The words of a text as the index and search.js see them: lower case, without accents."""
    folded = text.lower()
    if not folded.isascii():  # most text is: spare it the character-by-character work
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return WORD.findall(folded)


def _base36(number):
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
        if not number:
            return digits


def indexed_words(text):
    """The words of a text a document is found by (the stop words are left out by build_index)."""
    return {w for w in words(text) if len(w) <= LONGEST_WORD}


SHORT_GAPS = [_base36(n) for n in range(36 * 36)]  # most gaps: looked up, not computed


def build_index(documents):
    """The index (bytes of JSON) of documents: dicts with url, title, summary, date and words (a set)."""
    stop = set(STOP_WORDS)
    occurrences = defaultdict(list)
    for number, doc in enumerate(documents):
        for word in doc["words"] - stop:
            occurrences[word].append(number)
    sorted_words = sorted(occurrences)
    postings = []
    for word in sorted_words:
        gaps, previous = [], -1
        for number in occurrences[word]:
            gap = number - previous
            gaps.append(SHORT_GAPS[gap] if gap < len(SHORT_GAPS) else _base36(gap))
            previous = number
        postings.append(",".join(gaps))
    index = {
        "pages": [[d["url"], d["title"], d["summary"], d["date"]] for d in documents],
        "words": sorted_words,
        "postings": postings,
        "stop": STOP_WORDS,
    }
    return json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def plain(markup):
    """The text of some HTML, its white space collapsed."""
    text = TAG.sub(" ", markup or "")
    return " ".join((html.unescape(text) if "&" in text else text).split())


def document(content, kind, text_of):
    """What the index holds of a document; `text_of` gives what its HTML says (a TextCache)."""
    opening, text_words = text_of(content._content or "")  # before links are resolved: only the words count
    summary = plain(content.metadata.get("summary") or content.metadata.get("description")) or opening
    extra = [str(t) for t in getattr(content, "tags", [])]
    extra += [str(getattr(content, "category", ""))] if kind == "article" else []
    extra += [str(a) for a in getattr(content, "authors", [])] if kind == "article" else []
    reviewer = getattr(content, "reviewed_by", None)
    extra += [reviewer.display_name] if reviewer is not None else []
    date = content.date.date().isoformat() if kind == "article" else ""
    title = plain(content.title if kind != "person" else content.display_name)
    return {
        "url": f"/{content.url}",
        "title": title,
        "summary": summary,
        "date": date,
        "words": text_words | indexed_words(" ".join([title, summary, *extra])),
    }


class TextCache:
    """What each document's HTML says, as the index needs it (its words, and its first 30 words for a document
    without a summary), kept in CACHE_PATH by the hash of the HTML: a rebuild reads only the HTML that changed
    (reading all of it was half the index's time)."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.known = pickle.loads(self.path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            self.known = {}
        self.used = {}

    def __call__(self, markup):
        key = hashlib.sha256(markup.encode()).digest()
        found = self.known.get(key)
        if found is None:
            text = plain(markup)
            # Interned, the same word of many documents is one object, which pickle writes once: a third of the
            # size, and a fifth of the time to save and load.
            found = (" ".join(text.split()[:30]), frozenset(map(sys.intern, indexed_words(text))))
        self.used[key] = found
        return found

    def save(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(pickle.dumps(self.used))


def make_index(generators):
    context = generators[0].context
    text_of = TextCache(Path(context["CACHE_PATH"]) / "search-text.pickle")
    documents = [document(a, "article", text_of) for a in context.get("articles", [])]
    documents += [document(p, "page", text_of) for p in context.get("pages", [])]
    documents += [document(p, "person", text_of) for p in context.get("people", {}).values()]
    data = build_index(documents)
    text_of.save()
    _index_data[:] = [data]
    _index_url[:] = [f"/search/index.{hashlib.sha256(data).hexdigest()[:10]}.json"]


def search_index_url():
    return _index_url[0]


def write_index(pelican):
    target = Path(pelican.output_path) / _index_url[0].lstrip("/")
    if not target.exists():  # the name is the content's hash: an existing file is this index
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_index_data[0])


def add_global(pelican):
    pelican.settings["JINJA_GLOBALS"] = {**pelican.settings["JINJA_GLOBALS"], "search_index_url": search_index_url}


def register():
    signals.initialized.connect(add_global)
    signals.all_generators_finalized.connect(make_index)
    signals.finalized.connect(write_index)
