"""Content-hashed names for the theme's static files (theme/static/css/site.css ->
/theme/css/site.3f9a1c2b7d.css), so the publisher can cache them for a year: a changed file gets a new name.

Templates call `asset("css/site.css")`; a name that does not exist stops the build. FINGERPRINT_EXTRA_FILES
(logical name -> path) publishes files kept outside the theme the same way, e.g. the form service's crisis phrase
list, which the contact form's script reads: one file for both.
"""

import hashlib
import shutil
from pathlib import Path, PurePosixPath

from pelican import signals

_manifest = {}  # logical name -> its hashed path in the output
_sources = {}  # logical name -> the file it is copied from


def _hashed_name(path, logical):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    name = PurePosixPath(logical)
    return name.with_name(f"{name.stem}.{digest}{name.suffix}").as_posix()


def asset(name):
    """Root-relative URL of a theme file by its logical name."""
    return f"/{_manifest[name]}"


def build_manifest(generators):
    # Runs at every build (also under --autoreload), so an edited stylesheet gets its new name.
    settings = generators[0].settings
    static_dir = Path(settings["THEME"]) / "static"
    out_dir = settings["THEME_STATIC_DIR"]
    _manifest.clear()
    _sources.clear()
    _sources.update(
        {path.relative_to(static_dir).as_posix(): path for path in sorted(static_dir.rglob("*")) if path.is_file()}
    )
    _sources.update({logical: Path(path) for logical, path in settings.get("FINGERPRINT_EXTRA_FILES", {}).items()})
    for logical, path in _sources.items():
        _manifest[logical] = f"{out_dir}/{_hashed_name(path, logical)}"


def write_assets(pelican):
    output = Path(pelican.output_path)
    for logical, hashed in _manifest.items():
        target = output / hashed
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_sources[logical], target)


def add_global(pelican):
    pelican.settings["JINJA_GLOBALS"] = {**pelican.settings["JINJA_GLOBALS"], "asset": asset}


def register():
    signals.initialized.connect(add_global)
    signals.all_generators_finalized.connect(build_manifest)
    signals.finalized.connect(write_assets)
