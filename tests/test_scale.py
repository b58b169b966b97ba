"""Streaming and Dask: bounded document frequencies, ordered parallel batches, results identical to `analyse`."""
import json, subprocess, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from newsanalysis.analysis import analyse
from newsanalysis.core import OptionError, InputError
from newsanalysis.corpus import read_corpus
from newsanalysis.keywords import KeywordExtractor
from newsanalysis.tfidf import DocumentFrequencies
from newsanalysis.scale import (HashedDocumentFrequencies, ordered_map, phrase_df_error, stream_analyse, stream_keyphrases,
                                dask_analyse, dask_partitions, topic_table_frame, corpus_keyphrases_table, _square_sum)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
TABLES = ("articles", "keyphrases", "topics", "article_topics")


@pytest.fixture(scope="module")
def records():
    "60 Wikinews articles with bad records in between (blank text, broken id), as dicts."
    recs = [{"id": a.id, "title": a.title, "text": a.body, "date": a.date} for a in read_corpus(DATA / "wikinews_en_2019_2020.jsonl")][:60]
    return recs[:10] + [{"id": "blank", "text": "   "}] + recs[10:30] + [{"title": "no id", "text": "x"}] + recs[30:]


@pytest.fixture(scope="module")
def reference(records):
    return analyse(records, n_topics=3, quiet=True)


def _same(a, b):
    for name in TABLES: pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_hashed_counts_exact_terms_and_mergeable():
    docs = [[("putin",), ("troop",), ("legitim", "target")], [("putin",), ("legitim", "target"), ("western", "troop")], [("troop",)]]
    exact, hashed = DocumentFrequencies().update(docs), HashedDocumentFrequencies(bits=12).update(docs)
    assert all(hashed.df(k) == exact.df(k) for k in exact.counts)
    assert hashed.n_docs == 3 and hashed.counts[("troop",)] == 2
    merged = HashedDocumentFrequencies(bits=12).update(docs[:2]).merge(HashedDocumentFrequencies(bits=12).update(docs[2:]))
    assert merged.counts == hashed.counts and (merged.table == hashed.table).all()
    with pytest.raises(OptionError, match="cannot merge"): merged.merge(HashedDocumentFrequencies(bits=13))


def test_hashed_counts_only_overestimate():
    news = read_corpus(DATA)
    ex = KeywordExtractor()
    keys = [list(ex._cands(a).tf) for a in news]
    err = phrase_df_error(DocumentFrequencies().update(keys), HashedDocumentFrequencies(bits=10).update(keys))
    assert err["changed"] > 0.5 and err["mean overestimate"] > 0  # a tiny table collides a lot...
    assert phrase_df_error(DocumentFrequencies().update(keys), HashedDocumentFrequencies(bits=24).update(keys))["changed"] < 0.01


def test_ordered_map_keeps_order():
    batches = [[i] * (i % 3 + 1) for i in range(20)]
    expect = [_square_sum({"offset": 0}, b) for b in batches]
    assert list(ordered_map(_square_sum, iter(batches), {"offset": 0}, workers=2, window=2)) == expect
    assert list(ordered_map(_square_sum, iter(batches), {"offset": 0}, workers=1)) == expect


def test_stream_equals_analyse(records, reference):
    for workers, bits in ((1, None), (2, 24), (2, 10)):
        _same(stream_analyse(records, n_topics=3, workers=workers, batch_size=7, phrase_bits=bits, quiet=True), reference)


def test_analyse_workers_option_delegates(records, reference):
    _same(analyse(records, n_topics=3, workers=2, quiet=True), reference)


def test_stream_out_dir_writes_the_same_files(records, reference, tmp_path):
    reference.save(tmp_path / "ref", report=False)
    res = stream_analyse(records, n_topics=3, workers=2, batch_size=16, out_dir=tmp_path / "new", quiet=True)
    for name in TABLES:
        assert (tmp_path / "new" / f"{name}.csv").read_bytes() == (tmp_path / "ref" / f"{name}.csv").read_bytes(), name
    assert (tmp_path / "new" / "report.html").exists()
    assert not [p for p in (tmp_path / "new").iterdir() if p.name.startswith(".partial")]
    assert res.articles.id.tolist() == reference.articles.id.tolist()
    assert res.corpus_keyphrases(20).equals(reference.corpus_keyphrases(20))


def test_vectorised_tables_equal_the_analysis_ones(reference):
    pd.testing.assert_frame_equal(topic_table_frame(reference.model, reference.keyphrases, reference.article_topics), reference.topics)
    assert corpus_keyphrases_table(reference.keyphrases).head(30).equals(reference.corpus_keyphrases(30))


def test_stream_keyphrases_is_the_keyphrase_table(records, reference):
    kp = stream_keyphrases(records, workers=2, batch_size=9)
    pd.testing.assert_frame_equal(kp, reference.keyphrases)


def test_stream_errors(records):
    with pytest.raises(InputError, match="empty or whitespace-only"): stream_analyse(records, errors="raise", workers=1, quiet=True)
    with pytest.raises(OptionError, match="phrase_bits"): stream_analyse(records, phrase_bits=3)


def test_dask_partitions_cover_the_input(records):
    specs, ids = dask_partitions(records, partition_size=25)
    assert len(specs) == 3 and sum(len(i) for i in ids) == len(records)
    specs, ids = dask_partitions(DATA, partition_size=100)
    assert [s[1].rsplit("/", 1)[-1] for s in specs][:1] == ["putin-troops-legitimate-target.txt"] and sum(map(len, ids)) == 294


def test_dask_identical_in_process_cluster(records, reference):
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, Client(cluster) as client:
        _same(dask_analyse(records, client, n_topics=3, partition_size=16), reference)


@pytest.mark.slow
def test_dask_identical_on_a_folder_with_worker_processes(tmp_path):
    "The shipped folder on a LocalCluster of two worker processes: the same files as `analyse`."
    from distributed import Client, LocalCluster
    ref = analyse(DATA, quiet=True)
    ref.save(tmp_path / "ref", report=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, Client(cluster) as client:
        dask_analyse(DATA, client, partition_size=60, out_dir=tmp_path / "dask")
    for name in TABLES:
        assert (tmp_path / "dask" / f"{name}.csv").read_bytes() == (tmp_path / "ref" / f"{name}.csv").read_bytes(), name


@pytest.mark.slow
def test_cli_workers_and_dask(tmp_path):
    exe = Path(sys.executable).parent / "newsanalysis"
    for opts, out in ((["--workers", "2"], "w2"), (["--dask", "local"], "dk"), ([], "one")):
        p = subprocess.run([str(exe), "analyse", str(DATA), "--quiet", "--out", str(tmp_path / out), *opts], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
    for name in TABLES:
        one = (tmp_path / "one" / f"{name}.csv").read_bytes()
        assert (tmp_path / "w2" / f"{name}.csv").read_bytes() == one and (tmp_path / "dk" / f"{name}.csv").read_bytes() == one


@pytest.mark.datasets
def test_generator_is_deterministic(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate
    a = generate(300, tmp_path / "a", seed=3, shard_size=100, gz=False)
    b = generate(300, tmp_path / "b", seed=3, shard_size=100, workers=2, gz=False)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    recs = [json.loads(l) for p in a for l in p.read_text().splitlines()]
    assert len({r["id"] for r in recs}) == 300 and all(r["text"] and r["date"] for r in recs)
    c = generate(300, tmp_path / "c", seed=4, shard_size=100, gz=False)
    assert c[0].read_bytes() != a[0].read_bytes()
