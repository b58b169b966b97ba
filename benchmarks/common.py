"""Dataset helpers shared by the benchmarks.

The shared datasets live outside the repository, in `$NEWSANALYSIS_DATASETS` or else `<repo>/../shared/datasets`;
each is a folder holding one JSON Lines file (optionally gzip-compressed) in the schema
`id, title, text, label, keyphrases, date, lang`.

    from common import datasets_dir, load
    docs = load("duc2001")          # list of dicts, in file order
"""
import gzip, json, os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def datasets_dir() -> Path:
    "The shared datasets folder: `$NEWSANALYSIS_DATASETS`, else `<repo>/../shared/datasets`."
    return Path(os.environ.get("NEWSANALYSIS_DATASETS") or ROOT.parent / "shared" / "datasets")


def dataset_file(name: str) -> Path:
    "The JSON Lines file of dataset `name` (the only `.jsonl` or `.jsonl.gz` file in its folder)."
    folder = datasets_dir() / name
    if not folder.is_dir():
        raise SystemExit(f"dataset {name!r} not found in {datasets_dir()} (set NEWSANALYSIS_DATASETS)")
    files = sorted(p for p in folder.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))
    if len(files) != 1:
        raise SystemExit(f"expected one .jsonl or .jsonl.gz file in {folder}, found {len(files)}")
    return files[0]


def load(name: str, limit: int | None = None) -> list:
    "The records of dataset `name` as a list of dicts, in file order (the first `limit` only, if given)."
    path = dataset_file(name)
    opener = gzip.open if path.suffix == ".gz" else open
    out = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
                if limit is not None and len(out) >= limit:
                    break
    return out


load_jsonl = load
