"""`make audit`: Lighthouse (mobile preset), served as `make run` does, on the home page, an article, the contact
page and /thanks/urgent/; on an article with photos, people and sources (the example content of
tests/support/clinic_site.py); and on an article with the forms' spam check on (`FORMS_CAPTCHA=altcha make run`: the
widget's script, stylesheet and worker).

Writes one JSON report per page into test-artifacts/lighthouse/, prints the four category scores and exits
non-zero when any of them is below 100. Run as `python -m tests.e2e.lighthouse` from the project root.

CPU calibration: the mobile preset slows the CPU 4x, which turns the fast desktop Lighthouse expects
(benchmarkIndex about 2000) into a mid-tier phone. On a slower or busy machine (a 2-core CI box measures
500-1000) 4x emulates a much slower phone than intended, so, as Lighthouse's docs/throttling.md
("Calibrating the CPU slowdown") advises, the multiplier is scaled to the benchmarkIndex this machine
measures: 4 x index / 2000, between 1 and 4. LIGHTHOUSE_CPU_MULTIPLIER=4 forces the uncalibrated preset.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support import ROOT
from tests.support.clinic_site import ARTICLE, clinic_content
from tests.support.pages import first_page
from tests.support.site_build import build_site
from tests.support.site_server import running_site

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
REPORTS = ROOT / "test-artifacts" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-quic"
)
PRESET_MULTIPLIER = 4
PRESET_BENCHMARK_INDEX = 2000  # Lighthouse warns below half of it (SLOW_CPU_BENCHMARK_INDEX_THRESHOLD)
# Findings that fail the audit even when the scores are 100: on 127.0.0.1 they cost no points, but visitors
# would pay for them (CloudFront compresses in production; the local server must show the same).
MUST_PASS = ["uses-text-compression"]


def run_lighthouse(url, report, cpu_multiplier=PRESET_MULTIPLIER):
    """Lighthouse on url into report (JSON); returns the parsed report, or None when Lighthouse failed."""
    run = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            f"--output-path={report}",
            "--quiet",
            "--form-factor=mobile",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--throttling.cpuSlowdownMultiplier={cpu_multiplier:.2f}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
    )
    result = json.loads(Path(report).read_text()) if run.returncode == 0 and Path(report).exists() else None
    if result is None or result.get("runtimeError"):
        return None
    return result


def scores_of(result):
    return {name: round((result["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def what_cost_points(result):
    """The weighted audits that did not pass, so that a red audit says what to fix."""
    for name in CATEGORIES:
        for ref in result["categories"][name]["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                yield f"{name}: {ref['id']} scored {audit['score']}: {audit['title']}"


def failed_findings(result):
    """The MUST_PASS audits that found something: "id: title (what it says)"."""
    for name in MUST_PASS:
        audit = result["audits"][name]
        if audit["score"] is not None and audit["score"] < 1:
            yield f"{name}: {audit['title']} ({audit.get('displayValue', '')})"


def calibrated_multiplier(url, report):
    """The CPU slowdown that makes this machine emulate the phone the preset means (see the module doc), the
    benchmarkIndex measured, and the report of the run that measured it (at the preset's slowdown)."""
    forced = os.environ.get("LIGHTHOUSE_CPU_MULTIPLIER")
    if forced:
        return float(forced), None, None
    for _ in range(3):
        result = run_lighthouse(url, report)
        if result is not None:
            index = result["environment"]["benchmarkIndex"]
            scaled = PRESET_MULTIPLIER * index / PRESET_BENCHMARK_INDEX
            return min(PRESET_MULTIPLIER, max(1.0, scaled)), index, result
    sys.exit(f"audit: Lighthouse failed 3 times on {url}")


def audit_page(url, report, cpu_multiplier, attempts=3, earlier=None):
    """The best of up to `attempts` runs (after `earlier`, a run already made with the same settings): Lighthouse
    itself sometimes fails to trace a load (NO_NAVSTART) and timings vary with the machine's load; a real
    problem fails every run."""
    best = earlier
    if best is not None and min(scores_of(best).values()) == 100:
        attempts = 0
    for _ in range(attempts):
        result = run_lighthouse(url, report, cpu_multiplier)
        if result is not None and (best is None or sum(scores_of(result).values()) > sum(scores_of(best).values())):
            best = result
        if best is not None and min(scores_of(best).values()) == 100:
            break
    if best is None:
        sys.exit(f"audit: Lighthouse failed {attempts} times on {url}")
    Path(report).write_text(json.dumps(best, indent=1))
    return best


def audit(site, pages, multiplier, earlier=None):
    """Audit each {name: path} of the running site (`earlier`: {name: a run already made with the same settings});
    True when all scored 100 and every must-pass audit passed."""
    passed = True
    for name, path in pages.items():
        result = audit_page(site.url + path, REPORTS / f"{name}.json", multiplier, earlier=(earlier or {}).get(name))
        scores = scores_of(result)
        print(f"lighthouse {name} ({path}): " + ", ".join(f"{c} {s}" for c, s in scores.items()), flush=True)
        for line in what_cost_points(result):
            print(f"  {line}", flush=True)
        findings = list(failed_findings(result))
        for line in findings:
            print(f"  must pass: {line}", flush=True)
        passed &= all(score == 100 for score in scores.values()) and not findings
    return passed


def main():
    REPORTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="audit-") as workdir:
        workdir = Path(workdir)
        with running_site(workdir / "site") as site:
            multiplier, index, calibration = calibrated_multiplier(site.url + "/", REPORTS / "calibration.json")
            print(
                f"lighthouse: CPU benchmarkIndex {index or 'not measured'}, cpuSlowdownMultiplier "
                f"{multiplier:.2f} (the preset's 4 assumes {PRESET_BENCHMARK_INDEX})",
                flush=True,
            )
            # The contact page, and where a message in crisis language lands without JavaScript (the 988/911 help).
            passed = audit(
                site,
                {
                    "home": "/",
                    "article": first_page(site.site_dir, "blog/*/index.html"),
                    "contact": "/contact/",
                    "thanks-urgent": "/thanks/urgent/",
                },
                multiplier,
                # Where the machine needs no calibration, the calibration run is the home page's audit.
                earlier={"home": calibration} if multiplier == PRESET_MULTIPLIER else None,
            )
        clinic = workdir / "clinic"
        built = build_site(clinic / "built", content=clinic_content(clinic / "content"))
        with running_site(clinic, site_dir=built) as site:
            passed &= audit(site, {"article-with-photo": ARTICLE}, multiplier)
        captcha_site = build_site(workdir / "captcha-output", env={"FORMS_CAPTCHA": "altcha"})
        with running_site(workdir / "captcha", site_dir=captcha_site, FORMS_CAPTCHA="altcha") as site:
            passed &= audit(site, {"article-spam-check": first_page(site.site_dir, "blog/*/index.html")}, multiplier)
    if not passed:
        sys.exit(
            "audit: a Lighthouse score is below 100, or a must-pass audit failed "
            "(reports in test-artifacts/lighthouse/)"
        )


if __name__ == "__main__":
    main()
