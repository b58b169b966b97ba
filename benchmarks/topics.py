"""Topic clustering benchmark: newsanalysis's `TopicModel` against scikit-learn baselines, in one run.

    python benchmarks/topics.py                       # all three datasets; the Markdown tables go to standard output
    python benchmarks/topics.py --datasets bbc_news   # one dataset

Methods (k = number of labels unless "auto"):
- `sklearn tfidf+kmeans`: TfidfVectorizer(sublinear_tf, min_df=2, max_df=0.5, stop words) + KMeans(k, n_init=10)
- `sklearn lsa+kmeans`:   same TF-IDF + TruncatedSVD(100) + Normalizer + KMeans(k, n_init=10)
- `sklearn nmf`:          same TF-IDF + NMF(k, nndsvda); topic = argmax of the document's weights
- `sklearn lda`:          CountVectorizer(min_df=2, max_df=0.5, stop words) + LatentDirichletAllocation(k, online)
- `newsanalysis`:         TopicModel(n_topics=k) and TopicModel(n_topics="auto") (keyphrases off: not timed here)
Stop words for the baselines: scikit-learn's English list for English, stopwords-iso's list for German.

Metrics: NMI and ARI against the labels; NPMI coherence of each topic's top-10 terms, computed as gensim's
`c_npmi` (boolean sliding window of 10 tokens over each document's token sequence, in the method's own
tokenization after stop-word removal; a document shorter than the window is one window;
NPMI = log((p(a,b)+1e-12)/(p(a)p(b))) / -log(p(a,b)+1e-12), averaged over the 45 pairs, then over topics);
topic diversity (unique top-10 terms / 10k); wall time of the fit. BBC's 98 exact duplicates (duplicates.tsv)
are left out. The digest of newsanalysis's labels shows determinism across runs and PYTHONHASHSEED values.
"""
import argparse, hashlib, sys, time
from itertools import combinations
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import datasets_dir, load  # noqa: E402

from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import NMF, LatentDirichletAllocation, TruncatedSVD  # noqa: E402
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402
import stopwordsiso  # noqa: E402

from newsanalysis.corpus import read_corpus  # noqa: E402
from newsanalysis.tokens import get_tokenizer  # noqa: E402
from newsanalysis.topics import TopicModel  # noqa: E402

DATASETS = ["bbc_news", "20newsgroups_bydate_train", "gnad10k_de_test"]


def load_dataset(name):
    "Records of a dataset, without the duplicates listed in its duplicates.tsv (if any)."
    recs = load(name)
    dup = datasets_dir() / name / "duplicates.tsv"
    if dup.exists():
        drop = {l.split("\t")[1].strip() for l in dup.read_text().splitlines()[1:] if "\t" in l}
        recs = [r for r in recs if r["id"] not in drop]
    return recs


def text_of(r):
    return "\n\n".join(t for t in (r.get("title"), r.get("text")) if t and t.strip())


# --- NPMI as gensim's c_npmi -------------------------------------------------------------------------------
def npmi(token_docs, topics, window=10, eps=1e-12):
    "Mean over topics of the mean NPMI over pairs of the topic's terms, boolean sliding windows of `window` tokens."
    vocab = sorted({t for tt in topics for t in tt})
    idx = {t: i for i, t in enumerate(vocab)}
    rows, cols, n_win = [], [], 0
    for toks in token_docs:
        nw = max(len(toks) - window + 1, 1)
        for p, t in enumerate(toks):
            j = idx.get(t)
            if j is None: continue
            lo, hi = max(0, p - window + 1), min(p, nw - 1)
            rows.extend(range(n_win + lo, n_win + hi + 1)); cols.extend([j] * (hi - lo + 1))
        n_win += nw
    B = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_win, len(vocab)))
    B.data[:] = 1; B.sum_duplicates(); B.data = np.minimum(B.data, 1)
    B = (B > 0).astype(np.float64)
    p1 = np.asarray(B.sum(0)).ravel() / n_win
    p12 = (B.T @ B).toarray() / n_win
    scores = []
    for tt in topics:
        vals = []
        for a, b in combinations(tt, 2):
            i, j = idx[a], idx[b]
            pij = p12[i, j]
            vals.append(np.log((pij + eps) / (p1[i] * p1[j])) / -np.log(pij + eps))
        scores.append(np.mean(vals) if vals else 0.0)
    return float(np.mean(scores))


def diversity(topics, n=10):
    return len({t for tt in topics for t in tt[:n]}) / (n * len(topics))


# --- methods ----------------------------------------------------------------------------------------------
def stop_words(lang):
    return list(ENGLISH_STOP_WORDS) if lang == "en" else sorted(stopwordsiso.stopwords(lang))


def top_terms(W, names, n=10):
    return [[str(names[j]) for j in np.argsort(-w, kind="stable")[:n]] for w in W]


def sk_tfidf(texts, lang):
    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5, stop_words=stop_words(lang))
    return vec, vec.fit_transform(texts)


def m_tfidf_kmeans(texts, lang, k):
    vec, X = sk_tfidf(texts, lang)
    km = KMeans(k, n_init=10, random_state=0).fit(X)
    return km.labels_, top_terms(km.cluster_centers_, vec.get_feature_names_out()), vec.build_analyzer()


def m_lsa_kmeans(texts, lang, k):
    vec, X = sk_tfidf(texts, lang)
    svd = TruncatedSVD(100, random_state=0)
    Z = normalize(svd.fit_transform(X))
    km = KMeans(k, n_init=10, random_state=0).fit(Z)
    return km.labels_, top_terms(svd.inverse_transform(km.cluster_centers_), vec.get_feature_names_out()), vec.build_analyzer()


def m_nmf(texts, lang, k):
    vec, X = sk_tfidf(texts, lang)
    nmf = NMF(k, init="nndsvda", random_state=0, max_iter=400)
    W = nmf.fit_transform(X)
    return W.argmax(1), top_terms(nmf.components_, vec.get_feature_names_out()), vec.build_analyzer()


def m_lda(texts, lang, k):
    vec = CountVectorizer(min_df=2, max_df=0.5, stop_words=stop_words(lang))
    X = vec.fit_transform(texts)
    lda = LatentDirichletAllocation(k, learning_method="online", random_state=0)
    D = lda.fit_transform(X)
    return D.argmax(1), top_terms(lda.components_, vec.get_feature_names_out()), vec.build_analyzer()


def m_newsanalysis(corpus, k):
    m = TopicModel(n_topics=k, keyphrases=0, random_state=0).fit(corpus)
    return m


def digest(labels):
    return hashlib.sha256(",".join(map(str, labels)).encode()).hexdigest()[:12]


def run(name, out):
    recs = load_dataset(name)
    lang = recs[0].get("lang") or "en"
    y = [r["label"] for r in recs]
    k = len(set(y))
    texts = [text_of(r) for r in recs]
    corpus = read_corpus(recs)
    print(f"\n## {name}: {len(recs)} documents, {k} labels, lang {lang}", file=sys.stderr)
    rows = []
    tok = get_tokenizer(lang)
    our_tokens = [tok(t) for t in texts]
    for label, fn in [("sklearn tfidf+kmeans", m_tfidf_kmeans), ("sklearn lsa+kmeans", m_lsa_kmeans),
                      ("sklearn nmf", m_nmf), ("sklearn lda", m_lda)]:
        t0 = time.perf_counter(); labels, terms, analyzer = fn(texts, lang, k); dt = time.perf_counter() - t0
        toks = [analyzer(t) for t in texts]
        rows.append((label, k, normalized_mutual_info_score(y, labels), adjusted_rand_score(y, labels), npmi(toks, terms), diversity(terms), dt, ""))
        print(rows[-1], file=sys.stderr, flush=True)
    t0 = time.perf_counter(); m = m_newsanalysis(corpus, k); dt = time.perf_counter() - t0
    m2 = m_newsanalysis(corpus, k)
    same = "identical" if m2.labels_.tolist() == m.labels_.tolist() else "DIFFERENT"
    lab = m.labels_
    terms = [t for t in m.topic_stems_]
    rows.append(("newsanalysis", k, normalized_mutual_info_score(y, lab), adjusted_rand_score(y, lab), npmi(our_tokens, terms), diversity(terms), dt,
                 f"2nd run {same}, labels {digest(lab)}"))
    print(rows[-1], file=sys.stderr, flush=True)
    t0 = time.perf_counter(); ma = m_newsanalysis(corpus, "auto"); dt = time.perf_counter() - t0
    terms = ma.topic_stems_
    rows.append(("newsanalysis auto k", ma.n_topics_, normalized_mutual_info_score(y, ma.labels_), adjusted_rand_score(y, ma.labels_),
                 npmi(our_tokens, terms), diversity(terms), dt, f"labels {digest(ma.labels_)}"))
    print(rows[-1], file=sys.stderr, flush=True)
    out.append(f"\n### {name} ({len(recs)} documents, {k} labels)\n")
    out.append("| method | k | NMI | ARI | NPMI | diversity | time (s) | notes |")
    out.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        out.append(f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]:.3f} | {r[4]:.3f} | {r[5]:.3f} | {r[6]:.1f} | {r[7]} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", default=DATASETS)
    ap.add_argument("--out", help="also write the tables to this file")
    a = ap.parse_args()
    out = []
    for name in a.datasets: run(name, out)
    text = "\n".join(out) + "\n"
    print(text)
    if a.out: Path(a.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
