"""One row per figure, printed as a Markdown table: ours | peer | ratio | target | met?."""

from dataclasses import dataclass
from statistics import median

HEADER = ("figure", "ours", "peer", "ratio", "target", "met?")


@dataclass
class Row:
    figure: str
    ours: float | None = None
    peer: float | None = None
    unit: str = ""
    peer_name: str = ""
    target: str = ""
    # How the target is judged: ("ratio", limit) -> ours/peer <= limit (or >= limit with "min", within limit of
    # 1.0 with "within"), ("abs", limit) -> ours <= limit. None: informative only.
    rule: tuple | None = None
    note: str = ""  # "n/a (reason)" when the figure could not be measured

    @property
    def ratio(self):
        if self.ours is None or not self.peer:
            return None
        return self.ours / self.peer

    @property
    def met(self):
        if self.note or self.rule is None:
            return None
        kind, limit = self.rule[0], self.rule[1]
        value = self.ratio if kind == "ratio" else self.ours
        if value is None:
            return None
        if len(self.rule) > 2 and self.rule[2] == "min":
            return value >= limit
        if len(self.rule) > 2 and self.rule[2] == "within":
            return abs(value - 1) <= limit
        return value <= limit


FORMATS = {
    "s": "{:.2f} s",
    "ms": "{:.1f} ms",
    "KB": "{:.1f} KB",
    "MB": "{:.1f} MB",
    "req/s": "{:,.0f} req/s",
    "": "{:g}",
}


def fmt_value(value, unit):
    if value is None:
        return "-"
    return FORMATS.get(unit, "{:g} " + unit).format(value)


def cells(row):
    if row.note:
        return (row.figure, row.note, "-", "-", row.target or "-", "-")
    peer = fmt_value(row.peer, row.unit)
    if row.peer is not None and row.peer_name:
        peer = f"{peer} ({row.peer_name})"
    ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
    met = {None: "-", True: "yes", False: "NO"}[row.met]
    return (row.figure, fmt_value(row.ours, row.unit), peer, ratio, row.target or "-", met)


def format_table(rows):
    """A Markdown table whose columns line up in a terminal too."""
    lines = [HEADER] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]

    def render(line):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"

    out = [render(HEADER), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [render(line) for line in lines[1:]]
    return "\n".join(out)


def med(values):
    return median(values) if values else None
