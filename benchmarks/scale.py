"""Scale benchmark: time and peak memory of the streaming pipeline from 10,000 to 1,000,000 articles.

    python benchmarks/scale.py                         # 10k and 100k, with the side-by-side comparisons
    python benchmarks/scale.py --sizes 1000000 --jobs analyse --no-compare   # the 1M run alone

Corpora are made by `benchmarks/generate.py` (seed 0, shards of 25,000) under `--data` (default /tmp/newsanalysis-scale)
if missing. Each measurement runs in its own subprocess; the parent samples the resident memory of that process
and all its children every 0.2 s (the sum of the proportional set sizes, Pss, over the process tree: pages shared by forked workers
count once) and the largest peak RSS of any one of them (VmHWM). Results are appended
to `benchmarks/scale_results.json` (one record per run) and printed as Markdown rows.

Jobs per size: `keyphrases` (first pass + keyphrases of every article, `stream_keyphrases`) and `analyse`
(`stream_analyse`: keyphrases, topics on a 20,000-article sample, every article assigned, tables and report
written). Comparisons (`--compare`, on by default): at 10k, the keyword pipeline (`extract_keywords`, 1 and 2
processes) against scikit-learn `TfidfVectorizer.fit_transform` (unigrams, and 1-3-grams with English stop words), 8
interleaved rounds in rotating order from memory, medians; YAKE 0.7.3 on 500 articles; in-memory `analyse` vs `stream_analyse`
(identical files?), exact vs hashed phrase counts (identical top-10 lists?); the error of the hashed phrase table against
exact counts; at 100k, Dask LocalCluster (2 workers) vs `stream_analyse` (time ratio,
identical files?).
"""
import argparse, json, os, resource, subprocess, sys, time, threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "scale_results.json"


# ---------------------------------------------------------------- child jobs (run in a subprocess)
def _articles_texts(path, n=None):
    from newsanalysis.corpus import iter_articles
    out = []
    for a in iter_articles(path):
        out.append(a.text)
        if n and len(out) >= n: break
    return out


def child(job, data, out, workers):
    t0 = time.perf_counter()
    info = {}
    if job == "keyphrases":
        from newsanalysis.scale import stream_keyphrases
        stream_keyphrases(data, out_dir=out, workers=workers, quiet=True)
    elif job == "keyphrases-exact":
        from newsanalysis.scale import stream_keyphrases
        stream_keyphrases(data, out_dir=out, workers=workers, quiet=True, phrase_bits=None)
    elif job == "analyse":
        from newsanalysis.scale import stream_analyse
        res = stream_analyse(data, out_dir=out, workers=workers, quiet=True)
        info = {"timings": {k: round(v, 1) for k, v in res.timings.items()}, "topics": int(res.model.n_topics_)}
    elif job == "analyse-memory":
        from newsanalysis.analysis import analyse
        res = analyse(data, quiet=True)
        t1 = time.perf_counter(); res.save(out); info = {"save": round(time.perf_counter() - t1, 1)}
    elif job == "dask":
        from distributed import Client, LocalCluster
        from newsanalysis.scale import dask_analyse
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = Client(cluster)
        t0 = time.perf_counter()  # the cluster start is not part of the job
        res = dask_analyse(data, client, out_dir=out)
        info = {"timings": {k: round(v, 1) for k, v in res.timings.items()}}
        el = time.perf_counter() - t0
        client.close(); cluster.close()
        print(json.dumps({"seconds": el, **info})); return
    elif job == "keywords":
        # the keyword pipeline (count, document frequencies, top-10 terms with readable forms and the parts of their
        # scores) against scikit-learn's TfidfVectorizer.fit_transform on the same articles, both from memory,
        # 8 interleaved rounds in rotating order, median of each
        import statistics
        from sklearn.feature_extraction.text import TfidfVectorizer
        from newsanalysis.corpus import iter_articles
        from newsanalysis.keywords import extract_keywords
        arts = list(iter_articles(data)); texts = [x.text for x in arts]
        jobs = {"sklearn unigrams": lambda: TfidfVectorizer().fit_transform(texts),
                "sklearn 1-3-grams": lambda: TfidfVectorizer(ngram_range=(1, 3), stop_words="english").fit_transform(texts),
                "keywords, 1 process": lambda: extract_keywords(arts, workers=1),
                f"keywords, {workers} processes": lambda: extract_keywords(arts, workers=workers)}
        times, names = {k: [] for k in jobs}, list(jobs)
        for r in range(8):  # the order rotates: each runs first, second... equally often
            for k in names[r % 4:] + names[:r % 4]:
                t = time.perf_counter(); jobs[k](); times[k].append(time.perf_counter() - t)
        med = {k: statistics.median(v) for k, v in times.items()}
        info = {"docs": len(arts), "median_s": med, "first_round_s": {k: v[0] for k, v in times.items()},
                "ratio_to_unigrams": {k: med[k] / med["sklearn unigrams"] for k in med},
                "ratio_to_1_3_grams": {k: med[k] / med["sklearn 1-3-grams"] for k in med}}
    elif job == "yake":
        import yake
        texts = _articles_texts(data, 500)
        kw = yake.KeywordExtractor(lan="en", n=3, top=10)
        t = time.perf_counter()
        for x in texts: kw.extract_keywords(x)
        info = {"docs": len(texts), "docs_per_s": len(texts) / (time.perf_counter() - t)}
    elif job == "dferror":
        from newsanalysis.corpus import iter_articles
        from newsanalysis.keywords import KeywordExtractor
        from newsanalysis.tfidf import DocumentFrequencies
        from newsanalysis.scale import HashedDocumentFrequencies, phrase_df_error
        ex, e, h = KeywordExtractor(), DocumentFrequencies(), HashedDocumentFrequencies(24)
        batch = []
        for a in iter_articles(data):
            batch.append(list(ex._cands(a).tf))
            if len(batch) == 1000: e.update(batch); h.update(batch); batch = []
        e.update(batch); h.update(batch)
        info = phrase_df_error(e, h); info["terms"] = len(h.counts)
    print(json.dumps({"seconds": time.perf_counter() - t0, **info}))


# ---------------------------------------------------------------- the parent: run, watch memory, record
def _tree_rss(pid):
    "Sum of the proportional set sizes (Pss, KiB) of `pid` and all its descendants (shared pages counted once), and their largest peak RSS (VmHWM)."
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f: ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError): pass
    total, hwm, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"): total += int(line.split()[1]); break
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"): hwm = max(hwm, int(line.split()[1]))
        except OSError: pass
        todo += kids.get(p, [])
    return total, hwm


def run(job, data, out, workers=2):
    "Run one job in a subprocess; returns its JSON output plus wall time and peak memory."
    import shutil
    shutil.rmtree(out, ignore_errors=True)
    load0 = os.getloadavg()[0]
    p = subprocess.Popen([sys.executable, __file__, "_child", job, str(data), str(out), str(workers)], stdout=subprocess.PIPE, text=True)
    peak, hwm, loads, trace, t0 = 0, 0, [], [], time.perf_counter()
    def watch():
        nonlocal peak, hwm
        while p.poll() is None:
            a, b = _tree_rss(p.pid); peak, hwm = max(peak, a), max(hwm, b); loads.append(os.getloadavg()[0])
            el = time.perf_counter() - t0
            if not trace or el - trace[-1]["t"] >= 10: trace.append({"t": round(el, 1), "pss_mib": round(a / 1024)})  # memory over time
            time.sleep(0.2)
    th = threading.Thread(target=watch, daemon=True); th.start()
    t = time.perf_counter(); stdout, _ = p.communicate(); wall = time.perf_counter() - t; th.join()
    if p.returncode: raise SystemExit(f"{job} on {data} failed ({p.returncode})")
    r = json.loads(stdout.strip().splitlines()[-1])
    r.update(job=job, wall_s=round(wall, 1), peak_rss_mib=round(peak / 1024), max_process_rss_mib=round(hwm / 1024),
             load_avg=round(max([load0] + loads), 1), workers=workers)
    if wall > 120: r["trace"] = trace  # Pss of all processes every 10 s, for the longer runs
    return r


def files_equal(a, b, names=("keyphrases.csv",)):
    return all((Path(a) / n).read_bytes() == (Path(b) / n).read_bytes() for n in names)


def identical_lists(a, b):
    "Share of articles whose keyphrase list (phrases in order) is the same in two keyphrases.csv files."
    import pandas as pd
    la, lb = [pd.read_csv(Path(x) / "keyphrases.csv", keep_default_na=False).groupby("id", sort=False).phrase.apply(tuple) for x in (a, b)]
    return float((la == lb.reindex(la.index)).mean())


def corpus(data_root, n):
    path = Path(data_root) / f"n{n}"
    sys.path.insert(0, str(HERE))
    from generate import generate
    generate(n, path, seed=0, shard_size=25000, workers=2)
    return path


def table():
    "Markdown rows from scale_results.json: the latest run of each (job, engine, n), and the growth exponents."
    import math
    import numpy as np
    runs = {}
    for r in json.loads(RESULTS.read_text())["runs"]: runs[(r["job"], r["engine"], r["n"])] = r
    print("| job | engine | articles | wall s | articles/s | peak memory, all processes (Pss, MiB) | largest process (RSS, MiB) | load avg | notes |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for (job, eng, n), r in sorted(runs.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
        notes = {k: v for k, v in r.items() if k in ("timings", "identical_files", "identical_top10_lists", "unigrams", "1-3-grams", "docs_per_s",
                                                   "phrases", "changed", "changed, df ≥ 2", "mean overestimate", "max overestimate", "terms", "topics",
                                                   "ratio_to_unigrams")}
        if "ratio_to_unigrams" in notes: notes["ratio_to_unigrams"] = {k: round(v, 2) for k, v in notes["ratio_to_unigrams"].items()}
        print(f"| {job} | {eng} | {n:,} | {r['wall_s']:,} | {n / r['wall_s']:,.0f} | {r['peak_rss_mib']:,} | {r['max_process_rss_mib']:,} | {r['load_avg']} | {json.dumps(notes, ensure_ascii=False) if notes else ''} |")
    for job in ("keyphrases", "analyse"):
        pts = sorted((n, r["wall_s"]) for (j, e, n), r in runs.items() if j == job and e == "stream")
        if len(pts) >= 2:
            b = np.polyfit(np.log([p[0] for p in pts]), np.log([p[1] for p in pts]), 1)[0]
            print(f"\ngrowth exponent of {job} (log-log fit of wall time over {', '.join(f'{p[0]:,}' for p in pts)} articles): {b:.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--jobs", nargs="+", default=["keyphrases", "analyse"])
    ap.add_argument("--data", default="/tmp/newsanalysis-scale")
    ap.add_argument("--no-compare", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    runs = json.loads(RESULTS.read_text())["runs"] if RESULTS.exists() else []
    new = []
    def rec(r, **kw):
        r.update(kw, engine=kw.get("engine", "stream"), date=time.strftime("%Y-%m-%d %H:%M"))
        new.append(r); print(json.dumps(r), flush=True)
        RESULTS.write_text(json.dumps({"runs": runs + new}, indent=1))
    outs = Path(a.data) / "out"
    for n in a.sizes:
        data = corpus(a.data, n)
        for job in a.jobs: rec(run(job, data, outs / f"{job}-{n}", a.workers), n=n, **({"engine": "in memory vs scikit-learn"} if job == "keywords" else {}))
        if a.no_compare: continue
        if n == 10000:
            rec(run("keywords", data, outs / "kw", a.workers), n=n, engine="in memory vs scikit-learn")
            rec(run("yake", data, outs / "yake", 1), n=n, engine="yake")
            r = run("analyse-memory", data, outs / f"memory-{n}", 1)
            r["identical_files"] = files_equal(outs / f"memory-{n}", outs / f"analyse-{n}", ("articles.csv", "keyphrases.csv", "topics.csv", "article_topics.csv"))
            rec(r, n=n, engine="in-memory analyse")
        if n == 10000:
            r = run("keyphrases-exact", data, outs / f"exact-{n}", a.workers)
            r["identical_top10_lists"] = identical_lists(outs / f"exact-{n}", outs / f"keyphrases-{n}")
            rec(r, n=n, engine="stream, exact phrase counts")
        if n == 10000:
            rec(run("dferror", data, outs / "dferror", 1), n=n, engine="table error")
        if n == 100000:
            r = run("dask", data, outs / f"dask-{n}", a.workers)
            r["identical_files"] = files_equal(outs / f"dask-{n}", outs / f"analyse-{n}", ("articles.csv", "keyphrases.csv", "topics.csv", "article_topics.csv"))
            rec(r, n=n, engine="dask LocalCluster")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--table": table()
    elif len(sys.argv) > 1 and sys.argv[1] == "_child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else: main()
