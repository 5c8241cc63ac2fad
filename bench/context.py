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


def timed(cmd, *, env=None, cwd=None, timeout=300):
    """Run cmd to completion and return its wall time in seconds; raise with its output if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        raise RuntimeError(f"{Path(cmd[0]).name} exited {proc.returncode}:\n" + "\n".join(tail))
    return elapsed
