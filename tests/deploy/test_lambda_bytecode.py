"""The Lambda package carries bytecode for the runtime's Python: Lambda cannot write next to the code, so a module
without it is compiled from source at every cold start."""

import shlex
import subprocess
import sys

from tests.support import ROOT, make_dry_run

# Imports the handler as the runtime does (-I: only the package on the path; -B: nothing written, /var/task is
# read-only) and prints every file of the package that Python had to compile from source.
IMPORT_HANDLER = """\
import sys
import importlib._bootstrap_external as loader

compiled = []
source_to_code = loader.SourceLoader.source_to_code


def spy(self, data, path, *args, **kwargs):
    compiled.append(path)
    return source_to_code(self, data, path, *args, **kwargs)


loader.SourceLoader.source_to_code = spy
sys.path.insert(0, sys.argv[1])
import forms_lambda.handler

print("\\n".join(p for p in compiled if p.startswith(sys.argv[1])))
"""


def package_steps(artifacts):
    """The package recipe's copy and compile steps (not pip's download of the arm64 wheels), for this Python."""
    dry = make_dry_run("build-FormsFunction", ARTIFACTS_DIR=artifacts, LAMBDA_PYTHON=sys.executable)
    return [part.strip() for line in dry for part in line.split("&&") if "pip install" not in part]


def compiled_from_source(artifacts):
    run = subprocess.run(
        [sys.executable, "-I", "-B", "-c", IMPORT_HANDLER, str(artifacts)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_the_package_is_compiled_for_the_runtime_and_trusted_as_is(tmp_path):
    steps = package_steps(tmp_path)
    assert [shlex.split(step)[0] for step in steps] == ["cp", sys.executable]
    subprocess.run(shlex.split(steps[0]), cwd=ROOT, check=True)
    assert any(p.endswith("forms_lambda/handler.py") for p in compiled_from_source(tmp_path))  # without bytecode

    subprocess.run(shlex.split(steps[1]), cwd=ROOT, check=True)
    for source in (tmp_path / "forms_lambda").rglob("*.py"):
        pyc = source.parent / "__pycache__" / f"{source.stem}.{sys.implementation.cache_tag}.pyc"
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        assert flags == 0b01, source  # hash-based, source not checked: zip files keep no exact mtimes
    assert compiled_from_source(tmp_path) == []


def test_pip_leaves_compiling_to_the_runtimes_python():
    """pip would compile with the Python running it (the build machine's), bytecode the runtime cannot use."""
    dry = make_dry_run("build-FormsFunction", ARTIFACTS_DIR="/tmp/x")
    (install,) = [part for line in dry for part in line.split("&&") if "pip install" in part]
    assert "--no-compile" in shlex.split(install) and "--python-version 3.12" in install
    assert any("python3.12 -m compileall" in line for line in dry)
