"""`python -m bench [--reps N] [--only site,page,forms,delivery,cold,newsletter]`: print one table of ratios.

Every figure is measured next to its peer in the same run, interleaved, median of several repetitions,
because the machine is shared (2 cores, other builds running): only ratios are comparable across runs.
The table also goes to bench/.work/results.md.
"""

import argparse
import platform
import subprocess
import time
import traceback
from datetime import UTC, datetime

from bench import cold_start, delivery, forms_load, newsletter, page_weight, site_build
from bench.context import Context
from bench.table import format_table

SECTIONS = {
    "site": site_build,
    "page": page_weight,
    "forms": forms_load,
    "delivery": delivery,
    "cold": cold_start,
    "newsletter": newsletter,
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions per figure; the median is reported")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to run")
    args = parser.parse_args(argv)

    ctx = Context(reps=args.reps)
    ctx.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.only.split(","):
        module = SECTIONS[name.strip()]
        ctx.log(f"{name}: start")
        start = time.monotonic()
        try:
            rows += module.run(ctx)
        except Exception as exc:  # one broken measurement must not hide the others
            traceback.print_exc()
            rows += module.unavailable(f"n/a ({type(exc).__name__}: {str(exc).splitlines()[0][:60]})")
        ctx.log(f"{name}: done in {time.monotonic() - start:.1f}s")

    table = format_table(rows)
    commit = (
        subprocess.run(
            ["git", "-C", str(ctx.root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        or "?"
    )
    header = (
        f"Benchmarks at {commit}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.python_implementation()} {platform.python_version()}, median of {ctx.reps} runs "
        f"(at least 5 for site builds, 7 for cold starts), total {time.monotonic() - ctx.started:.0f} s"
    )
    print(f"\n{header}\n\n{table}")
    (ctx.work / "results.md").write_text(f"{header}\n\n{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
