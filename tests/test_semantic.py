"""The optional semantic backend: a clear error without the extra; embeddings, re-ranking and clusters with it.

The tests that need the extra are skipped, with the install command in the message, when it is absent (the default
environment). Run them in an environment with `pip install newsanalysis[semantic]` (see benchmarks/semantic.py).
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newsanalysis.core import OptionError
from newsanalysis.corpus import Article
from newsanalysis import semantic as S

ROOT = Path(__file__).resolve().parent.parent
HAVE = S.semantic_available()
needs_extra = pytest.mark.skipif(not HAVE, reason="semantic extra not installed: " + S.INSTALL_HINT)

ARTS = [
    Article(id="a", title="Central bank raises interest rates", body="The central bank raised its key interest rate by half a point to fight inflation.\nMarkets fell."),
    Article(id="b", title="Striker scores twice in cup final", body="The striker scored two goals as the club won the cup final on Saturday.\nFans celebrated."),
    Article(id="c", title="", body=""),
    Article(id="d", title="Inflation worries lift bond yields", body="Bond yields rose as investors expect the central bank to keep raising rates.\nStocks slipped."),
    Article(id="e", title="Coach praises team after league win", body="The coach praised his players after a league win that keeps the club top of the table.\nThe season ends soon."),
]


def test_import_does_not_need_the_extra():
    "`import newsanalysis` and its semantic module never import torch or sentence-transformers."
    code = "import sys, newsanalysis, newsanalysis.semantic; print(any(m in sys.modules for m in ('torch', 'sentence_transformers')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_clear_error_when_missing(monkeypatch):
    "A missing dependency gives an OptionError that says how to install the extra."
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # `import sentence_transformers` now fails
    S.load_model.cache_clear()
    with pytest.raises(S.SemanticUnavailable, match=r"pip install newsanalysis\[semantic\]"):
        S.embed(["some text"])
    assert issubclass(S.SemanticUnavailable, OptionError)
    S.load_model.cache_clear()


@pytest.mark.skipif(HAVE, reason="the extra is installed here; the missing-extra path is covered by monkeypatching")
def test_error_without_extra_for_real():
    with pytest.raises(S.SemanticUnavailable, match=r"pip install newsanalysis\[semantic\]"):
        S.semantic_keyphrases(ARTS)


def test_options_are_checked():
    with pytest.raises(OptionError, match="weight"):
        S.SemanticKeyphraseExtractor(weight=2).fit(ARTS)
    with pytest.raises(OptionError, match="features"):
        S.cluster_features(ARTS, features="words", embeddings=np.zeros((5, 3)))


def test_blend():
    np.testing.assert_allclose(S.blend(np.array([4.0, 2.0]), np.array([0.1, 0.4]), 0.5), [0.625, 0.75])
    np.testing.assert_allclose(S.blend(np.array([4.0, 2.0]), np.array([0.1, 0.4]), 0.0), [1.0, 0.5])


@needs_extra
def test_unknown_model_is_refused_not_downloaded():
    with pytest.raises(OptionError, match="nothing is downloaded"):
        S.embed(["x"], model="sentence-transformers/all-mpnet-base-v2")


@needs_extra
def test_embed_rows_normalised_and_empty_is_zero():
    E = S.embed(ARTS)
    assert E.shape == (5, 384) and E.dtype == np.float32
    norms = np.linalg.norm(E, axis=1)
    np.testing.assert_allclose(norms[[0, 1, 3, 4]], 1.0, atol=1e-5)
    assert norms[2] == 0
    assert E[0] @ E[3] > E[0] @ E[1]  # two finance stories are closer than finance and football
    np.testing.assert_allclose(S.embed(ARTS[:2]), E[:2], atol=1e-5)  # deterministic, independent of the batch


@needs_extra
def test_semantic_keyphrases_every_article_appears():
    df = S.semantic_keyphrases(ARTS, top=3)
    assert list(df.columns) == S.KEYPHRASE_COLUMNS
    assert df.id.drop_duplicates().tolist() == ["a", "b", "c", "d", "e"]
    assert df[df.id == "c"].status.tolist() == ["empty"]
    ok = df[df.status == "ok"]
    assert ok.groupby("id").size().max() <= 3
    assert (ok.groupby("id").score.apply(lambda s: s.is_monotonic_decreasing)).all()
    pd_again = S.semantic_keyphrases(ARTS, top=3)
    assert pd_again.equals(df)


@needs_extra
def test_weight_zero_is_the_tfidf_ranking():
    from newsanalysis.keywords import KeywordExtractor
    tf = KeywordExtractor(top=5).fit(ARTS).extract(ARTS)
    sem = S.SemanticKeyphraseExtractor(top=5, weight=0.0).fit(ARTS).extract(ARTS)
    assert [[p for p, _ in x] for x in sem] == [[p for p, _ in x] for x in tf]


@needs_extra
def test_clusters_split_finance_from_football():
    df = S.embedding_clusters(ARTS, 2, features="embedding")
    assert df.id.tolist() == ["a", "b", "c", "d", "e"]
    c = dict(zip(df.id, df.cluster))
    assert c["c"] == -1 and df.set_index("id").status["c"] == "empty"
    assert c["a"] == c["d"] and c["b"] == c["e"] and c["a"] != c["b"]
    shuffled = S.embedding_clusters(ARTS[::-1], 2, features="tfidf+embedding")
    assert dict(zip(shuffled.id, shuffled.cluster)) == dict(zip(S.embedding_clusters(ARTS, 2, features="tfidf+embedding").id,
                                                               S.embedding_clusters(ARTS, 2, features="tfidf+embedding").cluster))


@needs_extra
def test_static_model_when_built():
    if not (S.static_model_dir() / "model.safetensors").exists():
        pytest.skip(f"static model not built in {S.static_model_dir()}: run newsanalysis.semantic.distill_static()")
    E = S.embed(ARTS, model="static")
    assert E.shape == (5, 256)
    assert E[0] @ E[3] > E[0] @ E[1]
