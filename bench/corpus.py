"""Deterministic synthetic corpus: the same seed gives the same bytes, for Pelican and for Hugo.

Each article is about 600 words of Markdown (headings, paragraphs, a list, links, emphasis) with a
title, date, category, tags and summary. The Pelican copy uses Pelican's metadata lines, the Hugo copy
YAML front matter; the bodies are identical. `make_photo` makes a phone's photo: 4000 x 3000 pixels, about
6 MB of JPEG (gradients and sensor noise), with the camera's EXIF and where it was taken (GPS).
"""

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

SEED = 20261128
WORDS = [
    "ketamine",
    "infusion",
    "therapy",
    "pain",
    "chronic",
    "depression",
    "treatment",
    "patient",
    "clinic",
    "doctor",
    "nurse",
    "anxiety",
    "relief",
    "session",
    "dose",
    "monitoring",
    "safety",
    "evidence",
    "research",
    "study",
    "trial",
    "symptom",
    "recovery",
    "care",
    "plan",
    "consultation",
    "medication",
    "response",
    "brain",
    "receptor",
    "glutamate",
    "mood",
    "sleep",
    "energy",
    "fatigue",
    "migraine",
    "fibromyalgia",
    "neuropathy",
    "trauma",
    "stress",
    "disorder",
    "support",
    "family",
    "health",
    "wellness",
    "appointment",
    "insurance",
    "cost",
    "schedule",
    "visit",
    "follow",
    "quick",
    "gentle",
    "calm",
    "quiet",
    "comfortable",
    "careful",
    "clear",
    "simple",
    "effective",
    "rapid",
    "lasting",
    "modest",
    "measured",
    "small",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "with",
    "as",
    "on",
    "it",
    "be",
    "by",
    "this",
    "are",
    "from",
    "at",
    "or",
    "an",
    "which",
    "was",
    "can",
    "have",
    "not",
    "more",
    "may",
    "these",
    "most",
    "some",
    "when",
    "how",
    "what",
    "who",
    "after",
    "before",
    "during",
    "while",
    "about",
    "between",
    "through",
    "each",
    "many",
    "often",
    "every",
    "week",
    "month",
    "day",
    "hour",
    "minute",
    "first",
    "second",
    "third",
    "new",
    "long",
    "short",
    "early",
    "late",
    "good",
    "better",
    "best",
    "known",
    "people",
    "person",
    "body",
    "mind",
    "life",
    "work",
    "home",
    "team",
    "staff",
    "room",
    "chair",
    "light",
    "music",
    "blanket",
    "water",
    "question",
    "answer",
]
CATEGORIES = ["Chronic Pain", "Depression", "Anxiety", "PTSD", "Migraine", "Research", "Clinic News", "Patient Stories"]
TAGS = [
    f"{a} {b}"
    for a in ("ketamine", "infusion", "pain", "mood", "sleep", "care")
    for b in ("basics", "research", "safety", "recovery", "dosing", "questions", "stories")
][:40]
AUTHORS = ["Clinic Team", "Medical Director"]
START = datetime(2019, 1, 7, 9, 0)
# A photo's EXIF: the phone, which way is up, and where it was taken (Denver, in degrees, minutes, seconds).
GPS_IFD, MAKE, ORIENTATION = 0x8825, 0x010F, 0x0112
GPS = {1: "N", 2: (39.0, 44.0, 21.0), 3: "W", 4: (104.0, 59.0, 3.0)}


@dataclass
class Article:
    slug: str
    title: str
    date: datetime
    category: str
    tags: list
    author: str
    summary: str
    body: str


def sentence(rng, low=8, high=18):
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.15:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    return " ".join(words).capitalize() + "."


def paragraph(rng):
    text = " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
    if rng.random() < 0.3:
        text += " Read more [about our clinic](/about/) or [contact us](/contact/)."
    return text


def body(rng, target_words=600):
    parts, count = [], 0
    while count < target_words:
        if parts and rng.random() < 0.2:
            parts.append("## " + sentence(rng, 3, 6).rstrip("."))
        elif parts and rng.random() < 0.12:
            items = [f"- {sentence(rng, 4, 9)}" for _ in range(rng.randint(3, 5))]
            parts.append("\n".join(items))
        else:
            parts.append(paragraph(rng))
        count += len(parts[-1].split())
    return "\n\n".join(parts) + "\n"


def make_articles(count=1000, seed=SEED):
    rng = random.Random(seed)
    articles = []
    for i in range(count):
        title = sentence(rng, 4, 8).rstrip(".").replace("*", "")
        articles.append(
            Article(
                slug=f"article-{i:04d}",
                title=title,
                date=START + timedelta(days=i, minutes=rng.randrange(600)),
                category=rng.choice(CATEGORIES),
                tags=sorted(rng.sample(TAGS, rng.randint(1, 4))),
                author=rng.choice(AUTHORS),
                summary=sentence(rng, 15, 25).replace("*", ""),
                body=body(rng),
            )
        )
    return articles


def pelican_text(a):
    return (
        f"Title: {a.title}\nDate: {a.date:%Y-%m-%d %H:%M}\nCategory: {a.category}\n"
        f"Tags: {', '.join(a.tags)}\nSlug: {a.slug}\nAuthor: {a.author}\nSummary: {a.summary}\n\n{a.body}"
    )


def hugo_text(a):
    tags = ", ".join(f'"{t}"' for t in a.tags)
    return (
        f'---\ntitle: "{a.title}"\ndate: {a.date:%Y-%m-%dT%H:%M:00Z}\ncategories: ["{a.category}"]\n'
        f'tags: [{tags}]\nslug: "{a.slug}"\nauthor: "{a.author}"\nsummary: "{a.summary}"\n---\n\n{a.body}'
    )


def write_corpus(articles, dest, render):
    """Write one .md file per article into dest; only files whose bytes changed are rewritten."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for a in articles:
        path = dest / f"{a.slug}.md"
        text = render(a)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return dest


def make_photo(path, seed=SEED, size=(4000, 3000), orientation=1):
    """Write a phone-like JPEG to path: gradients and sensor noise (it compresses like a photo), with EXIF
    naming the phone, the orientation and the place (GPS)."""
    width, height = size
    noise = Image.frombytes("L", size, random.Random(seed).randbytes(width * height))
    red = Image.linear_gradient("L").resize(size).point(lambda v: 60 + v // 2)
    photo = Image.merge("RGB", (red, Image.blend(red, noise, 0.35), red.transpose(Image.Transpose.ROTATE_180)))
    exif = Image.Exif()
    exif[MAKE] = "Example Phone"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update(GPS)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    photo.save(path, "JPEG", quality=92, exif=exif.tobytes())
    return Path(path)


def with_photo(article, image):
    """The article with a photo (its file name under content/images/) as its first image."""
    return replace(article, body=f"![A photo of the clinic]({{static}}/images/{image})\n\n{article.body}")


def edit_article(path, n):
    """The incremental-build edit: append the n-th extra paragraph to one article."""
    path = Path(path)
    rng = random.Random(SEED + n)
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n{paragraph(rng)}\n")
