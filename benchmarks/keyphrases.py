"""Keyphrase extraction benchmark: newsanalysis against YAKE and a plain scikit-learn TF-IDF, in one run.

Protocol of Gallina, Boudin & Daille (JCDL 2020), so figures compare with the literature:
- predictions and gold keyphrases are lower-cased, tokenised and stemmed word by word (Porter for English, via
  PyStemmer; the Snowball stemmer of the language for French and Portuguese), then matched exactly;
- gold = all reference keyphrases of the document (present in the text or not), duplicates after stemming removed;
- precision over min(k, number predicted), recall over the number of gold keyphrases, F1 per document, averaged
  over documents (a document with no prediction scores 0);
- throughput = documents per second of wall time for the whole set, fitting included (TF-IDF baseline and
  newsanalysis learn their document frequencies from the set itself, without the gold keyphrases), every extractor
  in this one process (single-process against single-process). So that a machine shared with other work does not
  favour one extractor, each set is run `--repeats` times (default 3) with the extractors interleaved (the order
  rotates each round) and the median time is kept; a run longer than `--max-repeat-seconds` (default 60 s) is not
  repeated. The load average before and after is reported.

Every extractor reads the same text: the title, a blank line, then the text.

    python benchmarks/keyphrases.py                     # all six sets, all three extractors
    python benchmarks/keyphrases.py --datasets duc2001 --limit 100 --methods newsanalysis
    python benchmarks/keyphrases.py --write             # also replace the "Keyphrases" section of RESULTS.md
    python benchmarks/keyphrases.py --paired 10 --write # speed against YAKE, the two timed block by block
"""
import argparse, os, re, statistics, sys, time
from pathlib import Path
import numpy as np
import Stemmer, stopwordsiso
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load  # noqa: E402

DATASETS = {"duc2001": "en", "kpcrowd500n_dev": "en", "inspec_dev": "en", "semeval2010": "en",
            "wikinews_fr_keyphrases": "fr", "pt_bn_kp110": "pt"}
STEMMERS = {"en": "porter", "fr": "french", "pt": "portuguese"}
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")
K = (5, 10)


# ---------------------------------------------------------------- evaluation
def normalise(phrase: str, stemmer) -> str:
    "Lower-case, tokenise, stem each token, join with spaces."
    return " ".join(stemmer.stemWords(TOKEN_RE.findall(phrase.lower())))


def prf(pred: list, gold: set, k: int):
    "Precision, recall and F1 of the first k predictions (already normalised) against the gold set."
    top = pred[:k]
    if not top or not gold:
        return 0.0, 0.0, 0.0
    hits = len(set(top) & gold)
    p, r = hits / len(top), hits / len(gold)
    return p, r, (2 * p * r / (p + r) if hits else 0.0)


def score(preds: list, docs: list, lang: str) -> dict:
    "Mean F1@k over documents (in percent) for each k of `K`."
    st = Stemmer.Stemmer(STEMMERS[lang])
    f = {k: [] for k in K}
    for pred, d in zip(preds, docs):
        gold = {normalise(g, st) for g in d.get("keyphrases") or []}
        pn = [normalise(p, st) for p in pred]
        for k in K:
            f[k].append(prf(pn, gold, k)[2])
    return {k: 100 * float(np.mean(v)) for k, v in f.items()}


# ---------------------------------------------------------------- extractors
def text_of(d: dict) -> str:
    return ((d.get("title") or "") + "\n\n" + (d.get("text") or "")).strip()


def run_sklearn(docs: list, lang: str, top: int = 10) -> list:
    "Plain TF-IDF over word 1-3-grams (stop words removed: scikit-learn's English list, stopwords-iso otherwise)."
    sw = "english" if lang == "en" else sorted(stopwordsiso.stopwords(lang))
    vec = TfidfVectorizer(ngram_range=(1, 3), stop_words=sw)
    X = vec.fit_transform([text_of(d) for d in docs]).tocsr()
    names = vec.get_feature_names_out()
    out = []
    for i in range(X.shape[0]):
        row = X.getrow(i)
        order = sorted(zip(-row.data, names[row.indices]))[:top]
        out.append([str(n) for _, n in order])
    return out


def run_yake(docs: list, lang: str, top: int = 10) -> list:
    "YAKE with its documented defaults for n-grams up to 3 words."
    import yake
    ex = yake.KeywordExtractor(lan=lang, n=3, top=top)
    return [[kw for kw, _ in ex.extract_keywords(text_of(d))] for d in docs]


def run_newsanalysis(docs: list, lang: str, top: int = 10, **options) -> list:
    "newsanalysis keyphrases: document frequencies learnt from the set, news-structure weights, defaults."
    from newsanalysis.corpus import Article
    from newsanalysis.keywords import KeywordExtractor
    arts = [Article(id=str(d["id"]), title=d.get("title"), body=d.get("text") or "", lang=d.get("lang") or lang) for d in docs]
    ex = KeywordExtractor(lang=lang, top=top, **options)
    return [[p for p, _ in kp] for kp in ex.fit_extract(arts)]


METHODS = {"scikit-learn TF-IDF 1-3-grams": run_sklearn, "YAKE 0.7.3": run_yake, "newsanalysis": run_newsanalysis}
SHORT = {"tfidf": "scikit-learn TF-IDF 1-3-grams", "yake": "YAKE 0.7.3", "newsanalysis": "newsanalysis"}


# ---------------------------------------------------------------- driver
def run(datasets: list, methods: list, limit: int | None = None, repeats: int = 3, max_repeat_seconds: float = 60.0,
        log=sys.stderr) -> list:
    "Score every method on every set; time them in interleaved rounds and keep the median wall time."
    rows = []
    for name in datasets:
        docs = [d for d in load(name, limit) if d.get("keyphrases")]
        lang = DATASETS[name]
        times, preds = {m: [] for m in methods}, {}
        for r in range(max(1, repeats)):
            order = methods[r % len(methods):] + methods[:r % len(methods)]  # rotate: no method always runs first
            for m in order:
                if r and times[m][0] > max_repeat_seconds: continue
                t = time.perf_counter()
                out = METHODS[m](docs, lang)
                times[m].append(time.perf_counter() - t)
                preds.setdefault(m, out)
        for m in methods:
            s, dt = score(preds[m], docs, lang), statistics.median(times[m])
            rows.append({"dataset": name, "docs": len(docs), "method": m, "F1@5": s[5], "F1@10": s[10],
                         "docs/s": len(docs) / dt, "runs": len(times[m])})
            print(f"{name:24s} {m:30s} F1@5 {s[5]:5.1f}  F1@10 {s[10]:5.1f}  {len(docs)/dt:9.1f} docs/s "
                  f"(median of {len(times[m])}: {', '.join(f'{x:.2f}' for x in times[m])} s)", file=log, flush=True)
    return rows


def table(rows: list) -> str:
    lines = ["| dataset | docs | extractor | F1@5 | F1@10 | docs/s | speed vs YAKE | timed runs |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    yake = {r["dataset"]: r["docs/s"] for r in rows if r["method"] == "YAKE 0.7.3"}
    for r in rows:
        ratio = f"{r['docs/s'] / yake[r['dataset']]:.0f}×" if r["dataset"] in yake else ""
        best = max(x["F1@10"] for x in rows if x["dataset"] == r["dataset"])
        f10 = f"**{r['F1@10']:.1f}**" if r["F1@10"] == best else f"{r['F1@10']:.1f}"
        lines.append(f"| {r['dataset']} | {r['docs']} | {r['method']} | {r['F1@5']:.1f} | {f10} | {r['docs/s']:,.0f} | {ratio} | {r.get('runs', 1)} |")
    return "\n".join(lines)


def write_section(path: Path, body: str, title: str = "Keyphrases"):
    "Replace (or append) the `## title` section of a Markdown file, leaving the other sections alone."
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    sec = f"## {title}\n\n{body.strip()}\n"
    pat = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pat.sub(lambda _: sec + "\n", text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + sec
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated names (default: all six)")
    ap.add_argument("--methods", default="tfidf,yake,newsanalysis", help="comma-separated: tfidf, yake, newsanalysis")
    ap.add_argument("--limit", type=int, default=None, help="first N documents of each set only (quick iteration)")
    ap.add_argument("--repeats", type=int, default=3, help="timed rounds per set, extractors interleaved; the median is kept")
    ap.add_argument("--max-repeat-seconds", type=float, default=60.0, help="a method whose first run took longer is not repeated")
    ap.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md (Keyphrases section)")
    ap.add_argument("--phrase-weights", help="instead: F1@10 of newsanalysis for each of these comma-separated `phrase_weight` values")
    ap.add_argument("--phases", action="store_true", help="instead: where newsanalysis spends its time, phase by phase")
    ap.add_argument("--paired", type=int, metavar="BLOCKS",
                    help="instead: newsanalysis against YAKE timed block by block on BLOCKS blocks of each set (see `paired`)")
    a = ap.parse_args(argv)
    if a.phrase_weights: return sweep(a.datasets.split(","), [float(x) for x in a.phrase_weights.split(",")], a.limit, a.write)
    if a.phases: return phases(a.datasets.split(","), a.limit, max(a.repeats, 1), a.write)
    if a.paired: return paired(a.datasets.split(","), a.paired, max(a.repeats, 1), a.limit, a.write)
    datasets = [d.strip() for d in a.datasets.split(",") if d.strip()]
    for d in datasets:
        if d not in DATASETS: ap.error(f"unknown dataset {d!r}; choose from {', '.join(DATASETS)}")
    methods = []
    for m in a.methods.split(","):
        if m.strip() not in SHORT: ap.error(f"unknown method {m!r}; choose from {', '.join(SHORT)}")
        methods.append(SHORT[m.strip()])
    load0 = os.getloadavg()
    rows = run(datasets, methods, a.limit, a.repeats, a.max_repeat_seconds)
    load1 = os.getloadavg()
    md = table(rows)
    loads = f"load average (1, 5, 15 min) {' '.join(f'{x:.1f}' for x in load0)} at the start, {' '.join(f'{x:.1f}' for x in load1)} at the end"
    print(md); print(loads)
    if a.write:
        cmd = "python benchmarks/keyphrases.py" + "".join(f" {x}" for x in (argv if argv is not None else sys.argv[1:]) if x != "--write")
        write_section(Path(__file__).resolve().parent / "RESULTS.md",
                      RESULTS_TEXT.format(cmd=cmd.strip(), table=md, loads=loads, cpus=os.cpu_count(), repeats=a.repeats,
                                          cap=a.max_repeat_seconds))
    return rows


def paired(datasets: list, blocks: int = 10, rounds: int = 3, limit=None, write=False):
    """Speed of newsanalysis against YAKE measured so that both see the same state of a shared machine. Each set is cut
    into `blocks` blocks; on each block the two extractors run one right after the other (the order alternating from
    block to block and round to round), newsanalysis fitting its document frequencies on the block. A block's time is
    the median of its `rounds` runs; a set's time is the sum over its blocks. The whole-set runs of `run` time each
    extractor over a second (newsanalysis) against a quarter of a minute (YAKE), so a slow phase of the machine lands
    on one and not on the other; here it lands on both."""
    lines = ["| dataset | docs | blocks | YAKE docs/s | newsanalysis docs/s | speed vs YAKE | ratio in each round |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    fns = {"yake": run_yake, "newsanalysis": run_newsanalysis}
    for name in datasets:
        docs, lang = [d for d in load(name, limit) if d.get("keyphrases")], DATASETS[name]
        size = -(-len(docs) // blocks)
        parts = [docs[i:i + size] for i in range(0, len(docs), size)]
        times = {m: [[] for _ in parts] for m in fns}
        for f in fns.values(): f(parts[0], lang)  # warm-up, not timed: imports, word caches
        for r in range(rounds):
            for b, part in enumerate(parts):
                for m in (("yake", "newsanalysis") if (r + b) % 2 == 0 else ("newsanalysis", "yake")):
                    t = time.perf_counter(); fns[m](part, lang); times[m][b].append(time.perf_counter() - t)
        total = {m: sum(statistics.median(x) for x in times[m]) for m in fns}
        each = [sum(x[r] for x in times["yake"]) / sum(x[r] for x in times["newsanalysis"]) for r in range(rounds)]
        lines.append(f"| {name} | {len(docs)} | {len(parts)} | {len(docs) / total['yake']:,.0f} | "
                     f"{len(docs) / total['newsanalysis']:,.0f} | {total['yake'] / total['newsanalysis']:.0f}× | "
                     + ", ".join(f"{x:.0f}×" for x in each) + " |")
        print(lines[-1], flush=True)
    md = "\n".join(lines)
    if write:
        cmd = f"python benchmarks/keyphrases.py --datasets {','.join(datasets)} --paired {blocks} --repeats {rounds} --write"
        write_section(Path(__file__).resolve().parent / "RESULTS.md", PAIRED_TEXT.format(cmd=cmd, table=md, cpus=os.cpu_count()),
                      "Keyphrases: speed against YAKE, block by block")
    return md


def sweep(datasets: list, weights: list, limit=None, write=False):
    "F1@10 of newsanalysis on each set for each phrase weight: the trade-off between single words and phrases."
    docs = {name: [d for d in load(name, limit) if d.get("keyphrases")] for name in datasets}
    lines = ["| phrase_weight | " + " | ".join(datasets) + " |", "| ---: |" + " ---: |" * len(datasets)]
    for w in weights:
        f = [score(run_newsanalysis(docs[n], DATASETS[n], phrase_weight=w), docs[n], DATASETS[n])[10] for n in datasets]
        lines.append(f"| {w:g} | " + " | ".join(f"{x:.1f}" for x in f) + " |")
        print(lines[-1], flush=True)
    md = "\n".join(lines)
    if write:
        cmd = f"python benchmarks/keyphrases.py --datasets {','.join(datasets)} --phrase-weights {','.join(f'{w:g}' for w in weights)} --write"
        write_section(Path(__file__).resolve().parent / "RESULTS.md", SWEEP_TEXT.format(cmd=cmd, table=md), "Keyphrases: single words or phrases")
    return md


def phases(datasets: list, limit=None, repeats: int = 5, write=False):
    "Milliseconds per phase of `KeywordExtractor.fit_extract` (median of `repeats` rounds after a warm-up), per set."
    import gc
    from newsanalysis.corpus import Article
    from newsanalysis.keywords import KeywordExtractor, _IdfCache, _TOKEN_RE, _score_candidates, _select, surface_forms
    from newsanalysis.tfidf import DocumentFrequencies, _segments
    names = ["candidates", "document frequencies", "scores", "selection", "surface forms"]
    shares = {"candidates": [], "python": []}  # shares of the total, for the text under the table
    lines = ["| dataset | docs | tokens | " + " | ".join(names) + " | total ms | docs/s | regex pass alone |",
             "| --- | ---: | ---: |" + " ---: |" * (len(names) + 3)]
    for name in datasets:
        docs, lang = [d for d in load(name, limit) if d.get("keyphrases")], DATASETS[name]
        arts = [Article(id=str(d["id"]), title=d.get("title"), body=d.get("text") or "", lang=d.get("lang") or lang) for d in docs]
        texts = [t for a in arts for _, t in _segments(a)]
        times = {n: [] for n in names + ["regex"]}
        for r in range(repeats + 1):
            ex, t = KeywordExtractor(lang=lang), {}
            ex._check(); gc.disable()
            try:
                t0 = time.perf_counter(); cands = [ex._cands(a) for a in arts]
                t1 = time.perf_counter(); ex.df_ = DocumentFrequencies()
                for c in cands: ex.df_.add(c.tf.keys())
                ex._finish(); idf = _IdfCache(ex.df_).__getitem__
                t2 = time.perf_counter()
                sc = [_score_candidates(c, idf, ex.position_exponent, ex.length_norm, ex.phrase_weight, ex.title_only) for c in cands]
                t3 = time.perf_counter(); sel = [_select(x, c.names, ex.top) for x, c in zip(sc, cands)]
                t4 = time.perf_counter(); [surface_forms(c, [k for k, _ in x], lang) for x, c in zip(sel, cands)]
                t5 = time.perf_counter(); n_tok = sum(len(_TOKEN_RE.findall(x)) for x in texts); t6 = time.perf_counter()
            finally: gc.enable()
            if r == 0: continue  # warm-up: caches filled
            for n, a, b in zip(names + ["regex"], (t0, t1, t2, t3, t4, t5), (t1, t2, t3, t4, t5, t6)): times[n].append(b - a)
        med = {n: 1000 * statistics.median(v) for n, v in times.items()}
        total = sum(med[n] for n in names)
        shares["candidates"].append(100 * med[names[0]] / total); shares["python"].append(100 * sum(med[n] for n in names[2:]) / total)
        lines.append(f"| {name} | {len(docs)} | {n_tok:,} | " + " | ".join(f"{med[n]:.0f} ({100 * med[n] / total:.0f} %)" for n in names)
                     + f" | {total:.0f} | {1000 * len(docs) / total:,.0f} | {med['regex']:.0f} ms |")
        print(lines[-1], flush=True)
    md = "\n".join(lines)
    if write:
        cmd = f"python benchmarks/keyphrases.py --datasets {','.join(datasets)} --phases --repeats {repeats} --write"
        rng = {k: f"{min(v):.0f}–{max(v):.0f}" for k, v in shares.items()}
        write_section(Path(__file__).resolve().parent / "RESULTS.md", PHASES_TEXT.format(cmd=cmd, table=md, cpus=os.cpu_count(),
                                                                                          cand=rng["candidates"], python=rng["python"]),
                      "Keyphrases: where the time goes")
    return md


PHASES_TEXT = """Command: `{cmd}` ({cpus}-core machine shared with other work; medians after a warm-up round, caches filled).

The phases of `KeywordExtractor.fit_extract`, single process, in milliseconds for the whole set (share of the total in
brackets). "regex pass alone" is the time of the one regular-expression pass that cuts the texts into words and
gaps, the first step of `candidates`: no extractor that reads every word with Python's `re` can go below it.

{table}

Candidates take {cand} % of the time. Their work is done per word in C (the regular-expression pass, one
dictionary look-up per word, `Counter`, `zip`, `accumulate`), so cutting it much further would take compiled code.
Scoring, selection and surface forms ({python} %) run once per candidate in Python.
"""


PAIRED_TEXT = """Command: `{cmd}` ({cpus}-core machine shared with other work).

On this machine the speed of one core moves by ±20 % or more over periods of seconds, so the ratios of the whole-set
runs ("Keyphrases" above) move from run to run. Here newsanalysis and YAKE run one right after the other on the same
block of documents, in alternating order, after one untimed warm-up run of each; a block's time is the median of its
rounds and a set's time the sum over its blocks (see `paired` in the script). newsanalysis fits its document
frequencies on each block, which is the same work per article as on the whole set. "ratio in each round" shows the
spread.

{table}
"""


SWEEP_TEXT = """Command: `{cmd}` (F1@10 only, nothing timed).

The gold keyphrases of the sets are of two kinds. In DUC-2001 (news) and Inspec (abstracts) most are phrases of two
or three words, about 8 or 10 per document; in 500N-KPCrowd (news tagged by crowd workers) three in four are single
words, about 48 per document, and names are split into their words ("Lois" and "Lane", not "Lois Lane"). One
parameter, the weight of a checked multi-word noun phrase against a single word (`phrase_weight`, 2 by default),
moves the result along this curve:

{table}

No setting serves both kinds: the default keeps the phrase sets above 30 and gives up KPCrowd, which a single-word
ranking serves better (about 17 at weight 0, still short of 22). A user who wants every key term of a story, as
KPCrowd's annotators did, should use `KeywordExtractor(phrase_weight=0.5)` or the single-word `extract_keywords`.
"""


RESULTS_TEXT = """Command: `{cmd}` ({cpus}-core machine shared with other work, {loads}).
docs/s include fitting document frequencies on the set; every extractor runs single-process, in the same process.
Times are medians of {repeats} interleaved rounds (extractor order rotating; a run longer than {cap:.0f} s is not repeated:
see "timed runs").

Protocol of Gallina, Boudin & Daille (JCDL 2020): lower-case, tokenise, stem (Porter for English, Snowball for
French and Portuguese), exact match, gold = all reference keyphrases, precision over min(k, predicted), F1 averaged
per document. No extractor is trained on the gold keyphrases.

{table}

Published anchors under this protocol (F1@10): DUC-2001 TF-IDF 23.3, PositionRank 28.6, EmbedRank 29.5;
500N-KPCrowd TF-IDF 16.9, MultipartiteRank 18.2; Inspec TF-IDF 36.5 (noun-phrase candidates, test split).

The speed ratios of this table move by a third or more from run to run on a shared machine; the
paired timing ("Keyphrases: speed against YAKE, block by block", below) is steadier.
"""

if __name__ == "__main__":
    main()
