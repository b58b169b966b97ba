"""Tests of the topic model: every id once, determinism (also across PYTHONHASHSEED), tiny and empty-ish input."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newsanalysis.core import OptionError, NewsAnalysisError
from newsanalysis.corpus import Article, read_corpus
from newsanalysis.topics import TopicModel, article_records, topic_records

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def news():
    return read_corpus(DATA)


@pytest.fixture(scope="module")
def fitted(news):
    return TopicModel(n_topics=8, keyphrases=0, random_state=0).fit(news)


def test_every_id_once_in_input_order(news, fitted):
    recs = article_records(fitted)
    assert [r["id"] for r in recs] == news.ids
    assert fitted.articles_.id.tolist() == news.ids
    assert int(fitted.topics_["size"].sum()) == len(news)
    assert set(fitted.labels_) <= set(fitted.topics_.topic)


def test_topic_table(fitted):
    t = fitted.topics_
    assert list(t.columns) == ["topic", "size", "label", "terms", "keyphrases", "representative_ids", "status"]
    assert t.topic.tolist()[:8] == list(range(8))
    assert t["size"].is_monotonic_decreasing
    assert all(len(x) == 10 for x in t.terms)
    for label, terms in zip(t.label, t.terms):  # three items, each a topic term or a term with the word beside it
        items, lower = label.split(", "), {w.lower() for w in terms}
        assert len(items) == 3, label
        assert all(lower & {w.lower() for w in re.split("[ -]", item)} for item in items), (label, terms)
        assert terms[0].lower() in re.split("[ -]", items[0].lower()), (label, terms)  # the best term comes first
    assert any(" " in label for label in t.label), "no label shows a name of two words"  # e.g. "Donald Trump"
    json.dumps(topic_records(fitted))  # JSON-ready


def test_two_runs_identical(news, fitted):
    again = TopicModel(n_topics=8, keyphrases=0, random_state=0).fit(news)
    assert again.labels_.tolist() == fitted.labels_.tolist()
    assert again.topics_.equals(fitted.topics_)
    assert np.array_equal(again.strength_, fitted.strength_)


@pytest.mark.parametrize("seed", ["1", "4242"])
def test_other_hash_seed_identical(fitted, seed):
    code = ("import json; from newsanalysis.topics import TopicModel, article_records, topic_records; "
            "from newsanalysis.corpus import read_corpus; "
            f"m = TopicModel(n_topics=8, keyphrases=0, random_state=0).fit(read_corpus({str(DATA)!r})); "
            "print(json.dumps([article_records(m), topic_records(m)]))")
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == json.dumps([article_records(fitted), topic_records(fitted)])


def test_auto_k_deterministic(news):
    a = TopicModel(keyphrases=0).fit(news)
    b = TopicModel(keyphrases=0).fit(news)
    assert a.n_topics_ == b.n_topics_ and a.labels_.tolist() == b.labels_.tolist()
    assert a.k_scores_ is not None and a.n_topics_ in a.k_scores_.k.tolist()


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_corpora_auto(n):
    texts = ["Storm hits the coast at night.", "Election results are counted.", "Storm damage along the coast."][:n]
    m = TopicModel(keyphrases=0).fit(texts)
    assert len(m.labels_) == n and (m.labels_ >= 0).all()
    assert 1 <= m.n_topics_ <= n


def test_tiny_corpora_given_k():
    texts = ["Storm hits the coast at night.", "Election results are counted.", "Storm damage along the coast."]
    assert TopicModel(n_topics=3, keyphrases=0).fit(texts).n_topics_ == 3
    with pytest.raises(OptionError, match="n_topics=4 but only 3 articles"):
        TopicModel(n_topics=4).fit(texts)
    with pytest.raises(OptionError, match="n_topics must be"):
        TopicModel(n_topics=0).fit(texts)


def test_empty_ish_articles():
    arts = [Article(id="a", body="Storm hits the coast at night."), Article(id="b", body="the of and it"),
            Article(id="c", body="2020 1999 42"), Article(id="d", body="Storm damage on the coast."),
            Article(id="e", body="Voters count the election results."), Article(id="f", body="Election results.")]
    m = TopicModel(n_topics=2, keyphrases=0).fit(arts)
    assert m.articles_.id.tolist() == list("abcdef")
    assert m.labels_[1] == -1 and m.labels_[2] == -1
    assert set(m.articles_.status[m.labels_ == -1]) == {"no-terms"}
    row = m.topics_.set_index("topic").loc[-1]
    assert row["size"] == 2 and row["status"] == "no-terms"
    assert m.labels_[0] == m.labels_[3] != m.labels_[4] == m.labels_[5]


def test_only_empty_articles():
    m = TopicModel(keyphrases=0).fit(["the of and", "it is"])
    assert m.labels_.tolist() == [-1, -1] and m.n_topics_ == 0


def test_predict_and_not_fitted(fitted):
    assert fitted.predict(["the of and"]).tolist() == [-1]
    assert fitted.transform(["Storm hits the coast"]).shape == (1, 8)
    with pytest.raises(NewsAnalysisError, match="not fitted"):
        TopicModel().predict(["x"])


def test_clone():
    from sklearn.base import clone
    m = TopicModel(n_topics=4, refine=5)
    assert clone(m).get_params() == m.get_params()


def test_terms_from_the_candidate_pool(news, fitted):
    names = fitted.vectorizer_.get_feature_names_out()
    for t, stems in enumerate(fitted.topic_stems_):
        pool = {str(names[j]) for j in np.argsort(-fitted.ctfidf_[t], kind="stable")[:90]}
        assert set(stems) <= pool and len(set(stems)) == len(stems)
        assert stems[0] == max(stems, key=lambda s: fitted.ctfidf_[t, list(names).index(s)])  # the best noun leads
    plain = TopicModel(n_topics=8, keyphrases=0, random_state=0, term_pool=0).fit(news)
    assert plain.labels_.tolist() == fitted.labels_.tolist()  # the terms never change the topics
    for t, stems in enumerate(plain.topic_stems_):
        assert stems == [str(names[j]) for j in np.argsort(-plain.ctfidf_[t], kind="stable")[:10]]
    with pytest.raises(OptionError, match="term_pool"):
        TopicModel(term_pool=-1).fit(["x"])


def test_terms_nouns_when_known():
    from newsanalysis.topics import _is_noun
    assert [_is_noun(w, "en") for w in ["election", "Putin", "said"]] == [True, True, False]
    assert _is_noun("schnell", "de") is False and _is_noun("rapide", "fr") is True
