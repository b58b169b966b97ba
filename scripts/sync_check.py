"""Check that the notebooks and the package are in sync: `nbdev_export` and `nbdev_clean` must change nothing.

Usage: python scripts/sync_check.py   (run by `make sync-check` and CI)

Takes a snapshot of every file under newsanalysis/ and nbs/ that git tracks or would track (untracked and not
ignored), runs both commands, and exits 1 naming each file they modified, created or deleted. On a clean checkout
that is exactly what `git status --porcelain` would show afterwards.
"""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRS = ("newsanalysis", "nbs")
BIN = Path(sys.executable).parent  # the venv's bin/, where nbdev's commands are


def _files() -> list[str]:
    "Files under DIRS, as git sees them (tracked, or untracked and not ignored); a plain walk outside a repo."
    r = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *DIRS],
                       cwd=ROOT, capture_output=True)
    if r.returncode == 0:
        return sorted(set(f for f in r.stdout.decode().split("\0") if f))
    out = []
    for d in DIRS:
        for dirpath, dirnames, filenames in os.walk(ROOT / d):
            dirnames[:] = [n for n in dirnames if n not in ("__pycache__", ".ipynb_checkpoints")]
            out += [str((Path(dirpath) / f).relative_to(ROOT)) for f in filenames]
    return sorted(out)


def _snapshot() -> dict[str, str]:
    snap = {}
    for f in _files():
        p = ROOT / f
        if p.is_symlink():
            snap[f] = "symlink:" + os.readlink(p)
        elif p.is_file():
            snap[f] = hashlib.sha256(p.read_bytes()).hexdigest()
    return snap


def main() -> int:
    os.chdir(ROOT)
    before = _snapshot()
    for cmd in ("nbdev_export", "nbdev_clean"):
        print(f"sync-check: {cmd}", flush=True)
        r = subprocess.run([str(BIN / cmd)], cwd=ROOT)
        if r.returncode != 0:
            print(f"sync-check: FAILED: {cmd} exited {r.returncode}", file=sys.stderr)
            return 1
    after = _snapshot()
    changes = [f"  modified: {f}" for f in sorted(before.keys() & after.keys()) if before[f] != after[f]]
    changes += [f"  created:  {f}" for f in sorted(after.keys() - before.keys())]
    changes += [f"  deleted:  {f}" for f in sorted(before.keys() - after.keys())]
    if changes:
        print("sync-check: FAILED: notebooks and package are out of sync; nbdev_export / nbdev_clean changed:\n"
              + "\n".join(changes)
              + "\nRun `nbdev_export && nbdev_clean` and commit the result (edit notebooks, never newsanalysis/*.py).",
              file=sys.stderr)
        changed = sorted((before.keys() | after.keys()) - {f for f in before.keys() & after.keys() if before[f] == after[f]})
        subprocess.run(["git", "--no-pager", "diff", "--stat", "--", *changed], cwd=ROOT, stderr=subprocess.DEVNULL)
        return 1
    print(f"sync-check: OK: nbdev_export and nbdev_clean left {len(after)} files under "
          f"{' and '.join(d + '/' for d in DIRS)} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
