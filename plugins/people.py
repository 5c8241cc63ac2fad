"""The clinic's team, and who wrote and medically reviewed each article.

- `content/people/<slug>.md` (metadata Name, Credentials, Role, optional Photo; the text is the bio) is rendered
  with the theme's person.html at /people/<slug>/ (PERSON_URL), and all of them with people.html at /people/
  (PEOPLE_URL). Without any person file neither is written: the site builds as before.
- An article (or page) may say `Author: <person slug>`, `Reviewed-By: <person slug>` and
  `Reviewed-On: YYYY-MM-DD`. Templates then find `written_by` (a Person, or None when the clinic wrote it),
  `reviewed_by` (a Person or None) and `reviewed_on` (a date or None) on it. The author's name replaces the slug
  in Pelican's own `author`, so feeds say who wrote it. A slug that names nobody is an error of the build
  (`make lint-content` says so earlier, with the file and line).
"""

import logging
from datetime import date
from pathlib import Path

from pelican import signals
from pelican.contents import Author, Content
from pelican.generators import Generator

logger = logging.getLogger(__name__)


class Person(Content):
    mandatory_properties = ("name",)
    default_template = "person"

    def __init__(self, content, metadata=None, settings=None, source_path=None, context=None):
        # A person's address is their file's name (content/people/dana-reyes.md: /people/dana-reyes/).
        metadata = {**(metadata or {}), "slug": Path(source_path).stem}
        super().__init__(content, metadata, settings, source_path, context)

    @property
    def credentials_list(self):
        return [c.strip() for c in getattr(self, "credentials", "").split(",") if c.strip()]

    @property
    def display_name(self):
        """ "Dana Reyes, MD": how the byline and the people pages name someone."""
        credentials = getattr(self, "credentials", "")
        return f"{self.name}, {credentials}" if credentials else self.name

    def schema_org(self, siteurl):
        """schema.org Person for JSON-LD."""
        person = {
            "@type": "Person",
            "name": self.name,
            "url": f"{siteurl}/{self.url}",
            "jobTitle": getattr(self, "role", ""),
            "worksFor": {"@id": f"{siteurl}/#clinic"},
        }
        if self.credentials_list:
            person["honorificSuffix"] = ", ".join(self.credentials_list)
            person["hasCredential"] = [
                {"@type": "EducationalOccupationalCredential", "name": credential}
                for credential in self.credentials_list
            ]
        return person


class PeopleGenerator(Generator):
    """Reads content/people/ into the context's `people` ({slug: Person}) and writes their pages."""

    def generate_context(self):
        people = {}
        for path in sorted(self.get_files(self.settings["PEOPLE_PATHS"])):
            person = self.readers.read_file(base_path=self.path, path=path, content_class=Person, context=self.context)
            if person is not None and person.is_valid():
                people[person.slug] = person
                self.add_source_path(person)
        self.context["people"] = people

    def generate_output(self, writer):
        people = self.context["people"]
        for person in people.values():
            writer.write_file(
                person.save_as,
                self.get_template(person.template),
                self.context,
                person=person,
                page_name=person.url,
                relative_urls=self.settings["RELATIVE_URLS"],
                url=person.url,
            )
        if people:
            writer.write_file(
                self.settings["PEOPLE_SAVE_AS"],
                self.get_template("people"),
                self.context,
                people=sorted(people.values(), key=lambda p: p.name),
                relative_urls=self.settings["RELATIVE_URLS"],
                url=self.settings["PEOPLE_URL"],
            )


def reviewed_on(content):
    text = content.metadata.get("reviewed-on")
    if text is None:
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        logger.error("%s: 'Reviewed-On: %s' is not a date; write it as YYYY-MM-DD", content.source_path, text)
        return None


def find_person(content, people, key):
    slug = content.metadata.get(key)
    if slug is None:
        return None
    person = people.get(str(slug).strip())
    if person is None:
        logger.error(
            "%s: '%s: %s' names nobody: there is no content/people/%s.md", content.source_path, key.title(), slug, slug
        )
    return person


def link_people(generators):
    context = generators[0].context
    people = context.get("people", {})
    for content in context["generated_content"].values():
        if content is None or isinstance(content, Person):
            continue
        author = getattr(content, "author", None)
        content.written_by = people.get(author.name) if author is not None else None
        if content.written_by is not None:
            content.author = Author(content.written_by.display_name, content.settings)
            content.authors = [content.author]
        content.reviewed_by = find_person(content, people, "reviewed-by")
        content.reviewed_on = reviewed_on(content)
        if content.reviewed_on is not None:
            content.locale_reviewed_on = content.reviewed_on.strftime(content.date_format)


def get_generators(pelican):
    return PeopleGenerator


def register():
    signals.get_generators.connect(get_generators)
    signals.all_generators_finalized.connect(link_people)
