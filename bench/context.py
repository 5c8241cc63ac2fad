"""What every measurement gets: where things are, how many repetitions, and helpers to run processes."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Context:
    reps: int = 3
    root: Path = ROOT
    work: Path = ROOT / "bench" / ".work"
    python: str = sys.executable
    started: float = field(default_factory=time.monotonic)
    budget: float = 570.0  # seconds for the whole run: `make bench` must finish within 10 minutes

    @property
    def remaining(self):
        return self.budget - (time.monotonic() - self.started)

    def log(self, message):
        elapsed = time.monotonic() - self.started
        print(f"[bench {elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def bin(self, name):
        """A console script installed next to this interpreter (pelican, gunicorn, moto_server)."""
        return str(Path(self.python).parent / name)

    def env(self, **extra):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.root), env.get("PYTHONPATH")]))
        env.update({k: str(v) for k, v in extra.items()})
        return env


def run_ok(cmd, *, env=None, cwd=None, timeout=300):
    """Run cmd to completion; raise with the end of its output (the reason) if it fails."""
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        name = " ".join([Path(cmd[0]).name] + [str(c) for c in cmd[1:3] if "\n" not in str(c)])
        raise RuntimeError(f"{name} exited {proc.returncode}: " + (tail[-1] if tail else "") + "\n" + "\n".join(tail))
    return proc


def timed(cmd, *, env=None, cwd=None, timeout=300):
    """Run cmd to completion and return its wall time in seconds; raise with its output if it fails."""
    start = time.perf_counter()
    run_ok(cmd, env=env, cwd=cwd, timeout=timeout)
    return time.perf_counter() - start


def compile_bytecode(ctx, *paths):
    """Our modules at `paths` as bytecode, as pip installed the libraries' and as an author's Python or a deployment
    has them: where PYTHONDONTWRITEBYTECODE is set, as on this machine, every process would compile them from source
    (forms_lambda about 35 ms a cold start, the site's plugins and pelicanconf.py about 25 ms a build)."""
    run_ok([ctx.python, "-m", "compileall", "-q", *paths], env=ctx.env(), cwd=ctx.root)
