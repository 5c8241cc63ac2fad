"""The `citations` filter (plugins/sources.py) reads an article's Sources section back as schema.org works."""

import markdown

from plugins.sources import SourcesExtension, citations


def html(text):
    return markdown.markdown(text, extensions=["footnotes", SourcesExtension()], output_format="html5")


def test_each_footnote_becomes_a_work_with_its_first_web_link():
    page = html(
        "Pain is common.[^cdc] Guidelines exist.[^asra]\n\n"
        "[^cdc]: CDC, [Chronic pain](https://www.cdc.gov/pain), 2023.\n"
        "[^asra]: Cohen SP et al. *Consensus Guidelines*, 2018.\n"
    )
    assert citations(page) == [
        {"@type": "CreativeWork", "name": "CDC, Chronic pain, 2023.", "url": "https://www.cdc.gov/pain"},
        {"@type": "CreativeWork", "name": "Cohen SP et al. Consensus Guidelines, 2018."},
    ]


def test_links_and_lists_before_the_sources_are_not_sources():
    page = html("See [the CDC](https://www.cdc.gov/).\n\n1. one\n2. two\n\nText.[^a]\n\n[^a]: A book, 2020.\n")
    assert citations(page) == [{"@type": "CreativeWork", "name": "A book, 2020."}]


def test_an_article_without_footnotes_cites_nothing():
    assert citations(html("Plain text with a [link](https://example.org/).\n\n- a list\n")) == []
    assert citations("") == [] and citations(None) == []
