"""Tokenizer throughput on 20 Newsgroups (train, 11,314 posts), side by side with scikit-learn.

Compares, in one run, the time to analyse every document with
- scikit-learn's plain `CountVectorizer().build_analyzer()` (lower-case + token pattern, no stop words, no stems),
- newsanalysis' full pipeline `Tokenizer("en")` (normalise, elisions/possessives, stop words, Snowball stems),
  with a fresh tokenizer each repetition (cold term cache) and with a reused one (warm cache),
- newsanalysis' `Tokenizer.tokens` (offsets, sentences, surface forms: the path keyphrases use).
Reports the median of N repetitions and the ratio to scikit-learn.

    python benchmarks/tokenizer.py [--repeat 5]
"""
import argparse, gzip, json, os, statistics, sys, time
from pathlib import Path
from sklearn.feature_extraction.text import CountVectorizer
from newsanalysis.tokens import Tokenizer

def datasets_dir() -> Path:
    return Path(os.environ.get("NEWSANALYSIS_DATASETS", Path(__file__).resolve().parents[1].parent / "shared" / "datasets"))

def run_once(f, docs):
    t = time.perf_counter()
    n = sum(len(f(d)) for d in docs)
    return time.perf_counter() - t, n

def interleaved(makers, docs, repeat):
    "Median time of each analyzer; the analyzers take turns in every repetition, so load on the machine hits all alike."
    times = {k: [] for k in makers}; counts = {}
    for _ in range(repeat):
        for k, make in makers.items():
            t, counts[k] = run_once(make(), docs)
            times[k].append(t)
    return {k: (statistics.median(v), counts[k]) for k, v in times.items()}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    path = datasets_dir() / "20newsgroups_bydate_train" / "20newsgroups_bydate_train.jsonl.gz"
    if not path.exists(): sys.exit(f"dataset not found: {path} (set NEWSANALYSIS_DATASETS)")
    with gzip.open(path, "rt", encoding="utf-8") as f: docs = [json.loads(l)["text"] for l in f]
    warm = Tokenizer("en"); warm(docs[0])
    makers = {"scikit-learn CountVectorizer analyzer (plain)": lambda: CountVectorizer().build_analyzer(),
              "newsanalysis Tokenizer, full pipeline, cold cache": lambda: Tokenizer("en"),
              "newsanalysis Tokenizer, full pipeline, warm cache": lambda: warm,
              "newsanalysis Tokenizer.tokens (offsets, sentences)": lambda: warm.tokens}
    rows = [(k, *v) for k, v in interleaved(makers, docs, a.repeat).items()]
    base = rows[0][1]
    print(f"20newsgroups_bydate_train: {len(docs):,} documents, {sum(map(len, docs))/1e6:.1f} M characters; median of {a.repeat}\n")
    print("| analyzer | median s | tokens out | docs/s | ratio to scikit-learn |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, t, n in rows:
        print(f"| {name} | {t:.3f} | {n:,} | {len(docs)/t:,.0f} | {t/base:.2f}x |")

if __name__ == "__main__":
    main()
