"""Properties that hold for any input (hypothesis): offsets point into the text, reading-writing-reading loses
nothing, every output holds exactly the input ids, results depend neither on `PYTHONHASHSEED` nor on the order
of the input, and the chosen keyphrases hold no near-duplicates.

Run with `--hypothesis-show-statistics` to see how many examples each property was tried on.
"""
from __future__ import annotations
import gzip, json, os, subprocess, sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from newsanalysis.core import InputError, OptionError
from newsanalysis.corpus import Article, make_article, read_corpus
from newsanalysis.tokens import get_tokenizer
from newsanalysis.keywords import highlight
from newsanalysis.analysis import analyse
from newsanalysis.cli import keyword_records, topic_records

ROOT = Path(__file__).resolve().parents[1]
LANGS = ["en", "fr", "de", "es", "ar", "ru", "xx"]
def examples(n):
    """Hypothesis settings: `n` examples, no deadline (the analysis of a corpus takes a while), and the same examples on
    every run and machine (`derandomize`), so that a run of CI is reproducible; a failure found once stays as an
    `@example`."""
    return settings(max_examples=n, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])

# any text: every plane, line breaks of all kinds, zero-width and control characters (no lone surrogates)
any_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300)
# what an id may hold: anything but NUL and line breaks, not blank
any_id = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), min_size=1, max_size=40).filter(lambda s: s.strip())

VOCAB = ("storm flood Venice tide election vote parliament budget minister strike union railway court judge verdict "
         "fire forest police arrest market shares bank inflation football match goal coach vaccine hospital doctors "
         "the of and to in a is was for on").split()
news_text = st.lists(st.sampled_from(VOCAB), min_size=0, max_size=40).map(" ".join)


# --- offsets ---------------------------------------------------------------------------------------------------

@examples(300)
@given(any_text, any_text, any_text, st.sampled_from(LANGS))
def test_offsets_point_into_the_article_text(title, standfirst, body, lang):
    "Spans of the parts, tokens and highlights all index `Article.text`, the text every offset refers to."
    try: a = make_article({"id": "x", "title": title, "standfirst": standfirst, "text": body, "lang": lang})
    except InputError: return assume(False)  # blank article: refused, as the catalogue shows
    text = a.text
    for name, s, e in a.spans(): assert text[s:e] == getattr(a, name)
    tk = get_tokenizer(a.lang)
    toks = tk.tokens(text)
    for t in toks: assert text[t.start:t.end] == t.text
    words = [t.text for t in toks][:5]
    h = highlight(a, words)
    for s, e in h.spans: assert 0 <= s < e <= len(text) and text[s:e].strip() == text[s:e]


@examples(200)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cf", "Cc"), blacklist_characters="\u00ad\u2028\u2029\x85"), min_size=1, max_size=200).filter(str.strip))
def test_reader_keeps_clean_text_unchanged(body):
    "Text without line-break variants or invisible characters comes out of the reader exactly as it went in."
    assert make_article({"id": "x", "text": body}).body == body


# --- read, write, read -------------------------------------------------------------------------------------------

record = st.fixed_dictionaries({
    "id": any_id, "title": st.one_of(st.none(), any_text), "standfirst": st.one_of(st.none(), any_text), "text": any_text,
    "date": st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())), "lang": st.one_of(st.none(), st.sampled_from(LANGS)),
    "url": st.one_of(st.none(), st.just("https://example.org/a?b=1&c=<2>")), "label": st.one_of(st.none(), any_text),
    "keyphrases": st.one_of(st.none(), st.lists(any_text.filter(str.strip), max_size=3))})


def _corpus(recs):
    c = read_corpus(recs, errors="skip")
    assume(len(c) > 0)
    return c


@examples(150)
@given(st.lists(record, min_size=1, max_size=6, unique_by=lambda r: r["id"]))
def test_read_write_read_is_lossless(tmp_path, recs):
    "A corpus written as JSON Lines (plain or gzip), as a DataFrame or as CSV reads back as the same articles."
    c = _corpus(recs)
    p = tmp_path / "c.jsonl"
    c.to_jsonl(p)
    assert read_corpus(p).articles == c.articles
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress(p.read_bytes()))
    assert read_corpus(tmp_path / "c.jsonl.gz").articles == c.articles
    assert read_corpus(c.to_frame()).articles == c.articles
    c.to_frame().drop(columns="keyphrases").to_csv(tmp_path / "c.csv", index=False)
    assert [a.__dict__ | {"keyphrases": None} for a in read_corpus(tmp_path / "c.csv")] == [a.__dict__ | {"keyphrases": None} for a in c]
    c.to_jsonl(tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == p.read_bytes()  # writing is deterministic too


# --- every output holds exactly the input ids ----------------------------------------------------------------------

news_record = st.fixed_dictionaries({"id": any_id, "title": st.one_of(st.none(), news_text), "text": st.one_of(news_text, st.just(" "), st.just("The of and."))},
                                    optional={"date": st.sampled_from(["2020-01-02", "2021-06-30", "yesterday"]), "lang": st.sampled_from(["en", "fr", "xx"])})


def _id_lists(recs):
    return [r["id"] for r in recs]


@examples(60)
@given(st.lists(news_record, min_size=1, max_size=12), st.sampled_from(["auto", 1, 3]))
def test_outputs_have_exactly_the_input_ids(recs, k):
    "Articles, keyphrases and article_topics (and the CLI's records) hold each input record, bad ones included."
    ids = _id_lists(recs)
    try: res = analyse(recs, n_topics=k, quiet=True)
    except InputError as e:
        assert str(e).startswith("no article could be read"), e  # every record bad: one clear error
        return
    except OptionError as e:  # more topics asked for than articles with countable words: one clear error
        assert k != "auto" and "countable words" in str(e), e
        return
    assert res.articles.id.tolist() == ids
    assert res.article_topics.id.tolist() == ids
    assert set(res.keyphrases.id) == set(ids)
    assert res.keyphrases.groupby("id", sort=False).ngroups == len(set(ids))
    assert [r["id"] for r in keyword_records(recs, quiet=True)] == ids
    arts, _ = topic_records(recs, n_topics=k, quiet=True)
    assert [r["id"] for r in arts] == ids


# --- order and hash seed -------------------------------------------------------------------------------------------

def _canonical(res):
    "The tables of an analysis, sorted by id (and rank), for comparison up to order."
    a = res.articles.sort_values("id", kind="stable").reset_index(drop=True)
    kp = res.keyphrases.sort_values(["id", "rank"], kind="stable").reset_index(drop=True)
    at = res.article_topics.sort_values("id", kind="stable").reset_index(drop=True)
    t = res.topics.copy()
    return a, kp, at, t


unique_news = st.lists(news_record, min_size=2, max_size=14, unique_by=lambda r: r["id"])


@examples(40)
@given(unique_news, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(recs, rnd):
    "A permutation of the input gives the same tables, up to their order."
    perm = list(recs); rnd.shuffle(perm)
    try: r1 = analyse(recs, quiet=True)
    except InputError: return
    r2 = analyse(perm, quiet=True)
    for x, y in zip(_canonical(r1), _canonical(r2)):
        pd.testing.assert_frame_equal(x, y)


SCRIPT = r"""
import sys, json
from newsanalysis.analysis import analyse
res = analyse(sys.argv[1], quiet=True)
res.save(sys.argv[2])
"""


def _run_with_seed(src, out, seed):
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(src), str(out)], env={**os.environ, "PYTHONHASHSEED": str(seed)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _same_outputs(d1, d2):
    names = sorted(p.name for p in d1.iterdir())
    assert names == sorted(p.name for p in d2.iterdir())
    for n in names:
        if n.endswith(".parquet"): pd.testing.assert_frame_equal(pd.read_parquet(d1 / n), pd.read_parquet(d2 / n))
        else: assert (d1 / n).read_bytes() == (d2 / n).read_bytes(), n


def _compare_seeds(src, tmp, seeds=(0, 4242)):
    outs = [tmp / f"seed{s}" for s in seeds]
    procs = [_run_with_seed(src, o, s) for o, s in zip(outs, seeds)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    _same_outputs(*outs)


@examples(4)
@given(st.lists(news_record, min_size=3, max_size=30, unique_by=lambda r: r["id"]))
def test_results_do_not_depend_on_hash_seed(tmp_path_factory, recs):
    "Two processes with different PYTHONHASHSEED write byte-identical CSV files and report, equal Parquet tables."
    assume(any(r["text"].strip(" .") and set(r["text"].split()) - {"the", "of", "and", "The", "of", "and."}
               and r.get("date") != "yesterday" for r in recs))  # at least one readable record (a bad date is skipped)
    tmp = tmp_path_factory.mktemp("seed")
    with open(tmp / "in.jsonl", "w", encoding="utf-8") as f:
        for r in recs: f.write(json.dumps(r, ensure_ascii=False) + "\n")
    _compare_seeds(tmp / "in.jsonl", tmp)


def test_shipped_corpus_does_not_depend_on_hash_seed(tmp_path):
    _compare_seeds(ROOT / "data", tmp_path, seeds=(1, 987654))


# --- batch counts ----------------------------------------------------------------------------------------------
@examples(150)
@given(st.lists(st.tuples(st.one_of(st.none(), any_text), any_text, st.sampled_from(LANGS)), min_size=1, max_size=6))
def test_count_terms_equals_weighted_counts(parts):
    "The batch count (`count_terms`, used by keywords and topics) gives each article's `weighted_counts` exactly."
    from newsanalysis.tfidf import count_terms, weighted_counts, merge_term_counts
    arts = [Article(id=str(i), title=t, body=b, lang=l) for i, (t, b, l) in enumerate(parts)]
    tc = count_terms(arts)
    halves = merge_term_counts([count_terms(arts[:1]), count_terms(arts[1:])])
    assert halves.terms == tc.terms and (halves.weighted != tc.weighted).nnz == 0
    for i, a in enumerate(arts):
        row = tc.weighted.getrow(i)
        assert {tc.terms[j]: v for j, v in zip(row.indices, row.data)} == dict(weighted_counts(a))
        assert tc.counts.getrow(i).nnz == row.nnz


# --- topic keyphrases ------------------------------------------------------------------------------------------
phrase = st.lists(st.sampled_from(["World", "Health", "Organization", "WHO", "Trump", "Donald", "President", "election",
                                   "elections", "Iran", "storm"]), min_size=1, max_size=4).map(" ".join)

@examples(200)
@given(st.lists(st.tuples(phrase, st.integers(1, 9)), max_size=30), st.integers(0, 6), st.integers(1, 3))
@example([("President Organization", 1), ("World", 1), ("Health Organization", 1)], 2, 1)  # the title stands for the person
def test_topic_keyphrases_repeat_nothing(ranked, n, min_count):
    "`distinct_phrases` keeps at most n phrases, in rank order, each from min_count articles, none inside another."
    from newsanalysis.topics import distinct_phrases, phrase_key, _persons
    rows = list({phrase_key(p): (phrase_key(p), p, c) for p, c in reversed(ranked)}.values())[::-1]  # one row per key, as in a topic
    out = distinct_phrases(rows, n, min_count)
    assert len(out) <= n
    counted = [r for r in rows if r[2] >= min_count]
    person = _persons(counted)  # a titled name ("President Organization") stands for the full name ("Health Organization")
    stands = [person.get(r[0], r[:2]) for r in counted]  # (key, form) of what each row stands for
    pos = [next(i for i, (_, form) in enumerate(stands) if form == f) for f in out]
    assert pos == sorted(pos)
    keys = [set(stands[i][0].split()) for i in pos]
    assert not any(a <= b for i, a in enumerate(keys) for j, b in enumerate(keys) if i != j)
    if n and not out: assert all(c < min_count for _, _, c in rows)  # nothing kept only when nothing counts enough


# --- candidate keys ------------------------------------------------------------------------------------------------

# pieces of news text that set off the candidate rules: names after "of"/"from", a surname alone, titles, initials,
# sentence starts, German nouns, Romance verbs, markup
NEWS_PIECES = ["Senator from Vermont Bernie Sanders", "Sanders said", "President of France Emmanuel Macron", "Macron",
               "New Hampshire crash kills seven", "in Columbia, New Hampshire", "The Senate voted", "Mayor Adamowicz",
               "Paweł Adamowicz", "John G. Roberts", "U.S.", "K.I.", "car bomb", "killed police in Kabul Monday", ".", ",",
               ":", "\n", "Die Gewerkschaft GPA-djp", "sozialen Netzwerk", "une attaque meurtrière visant un hôtel",
               "morreu o governo", "World Health Organization", "Women's Day", "«", "»", "(", ")", "&amp;", "<b>", "2020",
               "COVID-19", "the", "of", "and", "José Ortega y Gasset", "Rio de Janeiro", "Qaboos bin Said", "Sen.", "St.",
               "Police Sgt. Herminio Taylo", "LOS ANGELES (AP) —", "Single-Engine Airplane Crashes", "firms attending",
               "Longtime Imus fans", "United States Department of Justice", "HURRICANES ARE", "FALLS IN INVESTMENT",
               "US INSURERS", "NEW DELHI", "CIUDAD JUÁREZ, Mexico —", "(Adds details)", "John G. Roberts SAID",
               "meinte Müller", "die befragten Iraker", "beispielsweise"]
news_like = st.lists(st.sampled_from(NEWS_PIECES), max_size=30).map(" ".join)

@examples(300)
@given(news_like, news_like, st.one_of(news_like, any_text), st.sampled_from(["en", "de", "fr", "pt", "es"]),
       st.integers(1, 4), st.booleans())
def test_candidate_keys_are_the_keys_of_candidates(title, standfirst, body, lang, max_len, pos):
    """The first pass of fitting reads `candidate_keys`; it must give the keys of `candidates(...).tf`, in their order.
    Every key is a tuple of terms (strings): the scale pass hashes them joined."""
    from newsanalysis.keywords import candidate_keys, candidates
    try: a = make_article({"id": "x", "title": title, "standfirst": standfirst, "text": body, "lang": lang})
    except InputError: return assume(False)
    keys = candidate_keys(a, max_len=max_len, pos=pos)
    assert keys == list(candidates(a, max_len=max_len, pos=pos).tf)
    assert all(type(k) is tuple and k and all(type(t) is str and t for t in k) for k in keys), keys


# --- near-duplicates among the chosen keyphrases ------------------------------------------------------------------------

DUP_TEXT = ("Joe Biden spoke. Later, Vice President Joe Biden left. The World Health Organization met, and WHO said so. "
            "The U.S. Navy and the United States Navy sailed. The cosmonaut Alexei Leonov flew; Alexei Leonov landed. "
            "Eddie Van Halen played with Van Halen. A Deputy Prime Minister met the Prime Minister.")

@examples(300)
@given(st.data())
def test_chosen_keyphrases_hold_no_near_duplicates(data):
    """Whatever the scores, `_select` keeps no key inside a better one, no acronym beside its spelled-out form, and its
    choice does not depend on the order of the scores."""
    from newsanalysis.keywords import _select, _spelled_out, candidates
    c = candidates(Article(id="d", body=DUP_TEXT))
    keys = sorted(set(c.tf))
    chosen_keys = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=40, unique=True))
    scores = {k: data.draw(st.floats(0.01, 100)) for k in chosen_keys}
    top = data.draw(st.integers(1, 12))
    out = _select(scores, c.names, top, titled=c.titled, name_words=c.name_words)
    assert out == _select(dict(reversed(list(scores.items()))), c.names, top, titled=c.titled, name_words=c.name_words)
    got, merged = [k for k, _ in out], dict(out)
    assert len(got) == len(set(got)) <= top
    for a in got:
        for b in got:
            if a != b:
                assert not _spelled_out(a, b), (a, b)
                # a key inside another was chosen first: the scores merged into it reach the other's own score
                assert not (set(a) < set(b) and b in scores and merged[a] < scores[b]), (a, b)
