"""Keywords and keyphrases: robustness, determinism and output shape."""
import json
import time

import pandas as pd
import pytest

from newsanalysis.corpus import Article, read_corpus
from newsanalysis.keywords import (KEYPHRASE_COLUMNS, KEYWORD_COLUMNS, KeywordExtractor, extract_keyphrases,
                                   extract_keywords, keyphrase_records)
from conftest import ROOT

SEED = ROOT / "data" / "putin-troops-legitimate-target.txt"


@pytest.fixture(scope="module")
def seed():
    return read_corpus(SEED)[0]


def test_one_article_corpus(seed):
    kp = extract_keyphrases([seed], top=10)
    assert list(kp.columns) == KEYPHRASE_COLUMNS
    assert kp.id.tolist() == [seed.id] * 10 and (kp.status == "ok").all()
    assert kp.score.is_monotonic_decreasing
    kw = extract_keywords([seed], top=5)
    assert list(kw.columns) == KEYWORD_COLUMNS
    assert (kw.idf == 1.0).all()  # one document: every smoothed IDF is 1
    assert "Putin" in set(kw.term)


def test_empty_and_stopword_articles_keep_their_row():
    arts = [Article(id="a", body=""), Article(id="b", body="   "), Article(id="c", body="It was the one that they had."),
            Article(id="d", body="Floods hit Venice again; the lagoon city floods.")]
    for table in (extract_keyphrases(arts), extract_keywords(arts)):
        assert table.id.unique().tolist() == ["a", "b", "c", "d"]
        st = table.drop_duplicates("id").set_index("id").status
        assert st.to_dict() == {"a": "empty", "b": "empty", "c": "no-terms", "d": "ok"}
        assert table[table.id.isin(["a", "b", "c"])]["rank"].isna().all()


def test_every_input_id_in_input_order():
    texts = ["Storm hits the coast of Brittany.", "Elections in Portugal: the Socialists win.", "", "Markets fall."]
    kp = extract_keyphrases(texts, top=3)
    assert kp.id.unique().tolist() == ["0", "1", "2", "3"]
    recs = list(keyphrase_records(texts, top=3))
    assert [r["id"] for r in recs] == ["0", "1", "2", "3"]


def test_duplicate_ids_are_refused_naming_the_id():
    "Outputs are keyed by id: two articles with one id are an error that names it, for keyphrases and topics alike."
    from newsanalysis.core import InputError
    from newsanalysis.topics import TopicModel
    arts = [Article(id="a", body="Storm hits the coast of Brittany."), Article(id="b", body="Markets fall."),
            Article(id="a", body="Elections in Portugal: the Socialists win.")]
    recs = [{"id": "x", "text": "Storm hits Brittany."}, {"id": "x", "text": "Markets fall."}]
    for f in (extract_keyphrases, extract_keywords, lambda x: list(keyphrase_records(x)), lambda x: TopicModel(n_topics=1).fit(x)):
        for bad in (arts, recs):
            with pytest.raises(InputError, match=r"article '[ax]': duplicate id"):
                f(bad)
    assert extract_keyphrases(arts[:2]).id.unique().tolist() == ["a", "b"]


def test_very_long_article_finishes():
    # about 1 MB of text: bounded work, checked loosely (no timing assertion)
    para = ("Floodwater reached the historic centre of Venice on Tuesday, as the mayor asked the government for "
            "emergency funds and the MOSE barrier stayed lowered. ")
    body = "\n".join(para + f"Report number {i} from the lagoon." for i in range(6000))
    assert len(body) > 1_000_000
    art = Article(id="long", title="Venice floods", body=body)
    t = time.perf_counter()
    kp = extract_keyphrases([art], top=10)
    elapsed = time.perf_counter() - t
    assert 1 <= len(kp) <= 10 and set(kp.id) == {"long"} and (kp.status == "ok").all()
    assert "Venice" in " ".join(kp.phrase)
    print(f"1 MB article: {elapsed:.1f} s")


def test_non_english_articles():
    arts = [Article(id="fr", lang="fr", title="Lancement réussi pour la fusée Falcon 9",
                    body="La fusée Falcon 9 de SpaceX a décollé ce matin de Cap Canaveral. Le lancement de la fusée "
                         "a été reporté samedi. La capsule Dragon doit rejoindre la station spatiale."),
            Article(id="pt", lang="pt", body="Os soldados portugueses mortos em Timor-Leste chegam hoje à base de Maceda. "
                                            "A base de Maceda recebe os soldados com consternação."),
            Article(id="xx", lang="xx", body="Unsupported language codes still give an answer, without stems.")]
    kp = extract_keyphrases(arts, top=5)
    assert kp.id.unique().tolist() == ["fr", "pt", "xx"]
    fr = kp[kp.id == "fr"].phrase.str.lower().tolist()
    assert any("fusée" in p for p in fr)
    assert not any(p.startswith(("l'", "la ", "le ")) for p in fr)
    pt = " ".join(kp[kp.id == "pt"].phrase).lower()
    assert "maceda" in pt and "soldados" in pt


def test_scripts_with_vowel_marks_and_quotes_in_another_script():
    """Hindi and Arabic words are read whole (their vowel signs are marks, which `\\w` does not match), and the stop
    words of a quoted language in another script make no keyphrase of an English story."""
    hi = Article(id="hi", lang="hi", title="दिल्ली में बाढ़ से हज़ारों लोग बेघर",
                 body="दिल्ली में यमुना नदी का जलस्तर बढ़ने से हज़ारों लोग बेघर हो गए हैं। सरकार ने राहत शिविर खोले हैं। "
                      "मुख्यमंत्री ने कहा कि राहत शिविरों में भोजन और दवाइयाँ दी जा रही हैं।")
    ar = Article(id="ar", lang="ar", body="أعلنت الحكومة المصرية حالة الطوارئ في القاهرة بعد الفيضانات. "
                                          "وقالت الحكومة إن الفيضانات دمرت مئات المنازل.")
    en = Article(id="en", body="Sex workers in Bangalore lost their income in the lockdown. One of them told us: "
                               "\"हम लोग कहाँ जाएँ और क्या करें, जब काम ही नहीं है?\" The charity gave food to the sex workers.")
    kp = extract_keyphrases([hi, ar, en], top=10)
    for a in (hi, ar):
        words = set(a.text.replace("।", " ").replace(".", " ").split())
        got = kp[kp.id == a.id].phrase.tolist()
        assert got and all(w in words for p in got for w in p.split()), (a.id, got)  # every word as written, none cut
    assert "राहत शिविर" in kp[kp.id == "hi"].phrase.tolist()
    quoted = " ".join(kp[kp.id == "en"].phrase.tolist())
    assert not any(w in quoted.split() for w in ("और", "जब", "ही", "नहीं", "है")), quoted  # stopwords-iso's Hindi ones
    assert "sex workers" in kp[kp.id == "en"].phrase.tolist()


def test_deterministic(seed):
    corpus = read_corpus(ROOT / "data")
    a = extract_keyphrases(corpus, top=10, mmr=0.6)
    b = extract_keyphrases(corpus, top=10, mmr=0.6)
    pd.testing.assert_frame_equal(a, b)
    ids = corpus.ids[::-1]  # order of input changes nothing but the order of rows
    c = extract_keyphrases([corpus[i] for i in ids], top=10, mmr=0.6)
    pd.testing.assert_frame_equal(a.set_index(["id", "rank"]).sort_index(), c.set_index(["id", "rank"]).sort_index())


def test_record_shape(seed):
    recs = list(keyphrase_records([seed, Article(id="empty", body="")], top=4))
    assert recs[0]["id"] == seed.id and len(recs[0]["keyphrases"]) == 4 and len(recs[0]["scores"]) == 4
    assert set(recs[0]) == {"id", "keyphrases", "scores", "status"}
    assert all(isinstance(p, str) for p in recs[0]["keyphrases"]) and all(isinstance(s, float) for s in recs[0]["scores"])
    assert recs[0]["scores"] == sorted(recs[0]["scores"], reverse=True)
    assert recs[1] == {"id": "empty", "keyphrases": [], "scores": [], "status": "empty"}
    json.dumps(recs)  # JSON-serialisable


def test_estimator_api(seed):
    from sklearn.base import clone
    ex = clone(KeywordExtractor(top=3))
    with pytest.raises(ValueError, match="not fitted"):
        ex.extract([seed])
    X = ex.fit(read_corpus(ROOT / "data")).transform([seed])
    assert X.shape == (1, len(ex.get_feature_names_out()))
    with pytest.raises(ValueError, match="top must be"):
        KeywordExtractor(top=0).fit([seed])


@pytest.mark.datasets
def test_french_and_portuguese_sets(datasets_dir):
    for name in ("wikinews_fr_keyphrases", "pt_bn_kp110"):
        path = next((datasets_dir / name).glob("*.jsonl"))
        corpus = read_corpus(path)
        kp = extract_keyphrases(corpus, top=10)
        assert kp.id.unique().tolist() == corpus.ids


def test_strings_are_texts_and_path_like_strings_are_refused(tmp_path):
    "A string is an article text; one that names a file or folder (or a misspelt file name) is refused, never read."
    from newsanalysis.core import OptionError
    from newsanalysis.topics import TopicModel
    secret = tmp_path / "private"; secret.mkdir(); (secret / "a.txt").write_text("Secret\nPlans\nThe merger.", encoding="utf-8")
    for s in (str(SEED), str(secret), str(tmp_path / "artcles.jsonl")):
        for f in (extract_keyphrases, extract_keywords, lambda x: TopicModel(n_topics=1).fit(x)):
            with pytest.raises(OptionError, match="looks like a path"):
                f(s)
    text = extract_keyphrases("Floods hit Venice again; the lagoon city floods.")
    assert text.id.tolist()[0] == "0" and any("Venice" in p for p in text.phrase)
    assert extract_keyphrases(["../data"]).id.tolist() == ["0"]  # in a list, every string is a text


def test_word_classes_without_the_lexicon_files(monkeypatch):
    "Without the data files of `lemminflect` and `textblob` every word counts as a noun, and extraction still works."
    import newsanalysis.keywords as kw

    def reset():
        kw._word_tables.cache_clear(); kw._LEXICONS.clear()

    art = Article(id="x", title="Typhoon strikes Philippines", body="The typhoon deployed its winds over Manila.")
    monkeypatch.setattr(kw, "_package_file", lambda *parts: None)
    reset()
    try:
        assert [kw.word_class(w) for w in ["deployed", "vows", "legitimate"]] == [kw.NOUN] * 3
        assert kw.KeywordExtractor().fit_extract([art])[0]  # plain runs of content words: still keyphrases
    finally:
        monkeypatch.undo(); reset()
    assert [kw.word_class(w) for w in ["deployed", "vows", "legitimate"]] == [kw.OTHER, kw.OTHER, kw.ADJ]


def test_optional_word_lists_absent(monkeypatch):
    """Without `simplemma` (Romance verb forms) and `nameparser` (titles before names) extraction still works: verbs are
    read as content words, titled names stay as written."""
    import builtins
    import newsanalysis.keywords as kw

    def reset():
        kw._titles.cache_clear(); kw._LEXICONS.clear()

    fr = Article(id="f", lang="fr", body="Une attaque meurtrière visant un hôtel de Kaboul. Une attaque visant la ville.")
    en = Article(id="e", body="Paweł Adamowicz was stabbed. Mayor Adamowicz died in hospital. Mayor Adamowicz was 53.")
    real_import = builtins.__import__

    def no_lists(name, *args, **kwargs):
        if name.split(".")[0] in ("simplemma", "nameparser"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    with_lists = [kw.KeywordExtractor(lang=a.lang or "en").fit_extract([a])[0] for a in (fr, en)]
    assert not any("visant" in p for p, _ in with_lists[0])
    assert not any(p == "Mayor Adamowicz" for p, _ in with_lists[1])
    monkeypatch.setattr(builtins, "__import__", no_lists)
    reset()
    try:
        without = [kw.KeywordExtractor(lang=a.lang or "en").fit_extract([a])[0] for a in (fr, en)]
        assert any("visant" in p for p, _ in without[0])  # a verb form is a content word again
        assert any(p == "Mayor Adamowicz" for p, _ in without[1])  # no titles: the titled name is its own candidate
    finally:
        monkeypatch.undo(); reset()


def test_word_tables_absent(monkeypatch):
    """Without the lexicon files inside the `textblob` and `lemminflect` wheels the candidate pass still works: with the
    tokenizer's stop list ("members" is a stop word again) and no word classes."""
    import newsanalysis.keywords as kw

    def reset():
        for f in (kw._word_tables, kw.phrase_stop_words, kw._verbable, kw._titles):
            f.cache_clear()
        kw._LEXICONS.clear()

    art = Article(id="m", title="Party members back new leader",
                  body="Conservative Party members voted on Monday. The members chose a leader.")
    assert ("conserv", "parti", "member") in kw.candidates(art).tf
    monkeypatch.setattr(kw, "_brill_lexicon", lambda: "")
    monkeypatch.setattr(kw, "_lemma_table", lambda: "")
    reset()
    try:
        assert kw.phrase_stop_words("en") is None and kw._verbable() == frozenset()
        without = kw.candidates(art)
        assert ("conserv", "parti") in without.tf and ("conserv", "parti", "member") not in without.tf
        assert kw.KeywordExtractor().fit_extract([art])[0]  # still keyphrases
    finally:
        monkeypatch.undo()
        reset()
    assert ("conserv", "parti", "member") in kw.candidates(art).tf  # the tables are back


def test_shouted_text_is_shown_as_written():
    """Words in capitals read as the rest of the text (names and acronyms stay), and a subhead read in Title Case is
    shown in lower case at its own place, also after the full stops of a short title and a middle initial were dropped
    before it in the same part."""
    from newsanalysis.keywords import candidates
    art = Article(id="s", title="Investment falls", body="Storms came.\n\nThen Sen. John G. Roberts spoke.\nFALLS IN INVESTMENT\n"
                                                           "The falls in investment hurt. US INSURERS left NEW DELHI.")
    c = candidates(art)
    assert [len(ws) == len(ts) for ws, ts in c.chunks] == [True, True, True]
    assert " ".join(c.chunks[2][0]) == ("Then Sen John Roberts spoke .\n falls in investment \n The falls in investment hurt . "
                                         "US insurers left NEW DELHI .")
    phrases = [p for p, _ in KeywordExtractor(top=10).fit_extract([art])[0]]
    assert "US insurers" in phrases and not any(p.isupper() and len(p) > 4 and p != "NEW DELHI" for p in phrases), phrases


def test_web_boilerplate_gives_no_keyphrase():
    """Ad slots, photo credits, "Click here" lines and copyright notices of scraped pages are no words of the story: no
    keyphrase or keyword comes from them, and the names next to them stay whole."""
    body = ("Cameron showed the 3D camera in a funny video. Advertisement Cameron wants the film industry to change. "
            "(GIUSEPPE ACACE/AFP/Getty Images Stefano Gabbana in Milan) Click HERE to send us your photos! The film "
            "industry listened. Advertisement Stefano Gabbana agreed with Cameron.\n"
            "Jennifer Leiser Salt Lake City © Copyright 2011 The Salt Lake Tribune. All rights reserved. This material "
            "may not be published, broadcast, rewritten or redistributed.")
    art = Article(id="web", title="Cameron wants a new frame rate", body=body)
    phrases = [p for p, _ in KeywordExtractor(top=20).fit_extract([art])[0]]
    junk = ("Advertisement", "Getty", "Click", "HERE", "Copyright", "Tribune", "rights", "material", "broadcast")
    assert "Stefano Gabbana" in phrases and "Cameron" in phrases, phrases
    assert not [p for p in phrases if any(j in p for j in junk)], phrases
    terms = set(extract_keywords([art], top=50).term)
    assert not terms & {"Advertisement", "Getty", "Copyright", "Tribune", "reserved", "redistributed"}, terms


@pytest.mark.parametrize("width", [60, 72, 80])
def test_hard_wrapped_article_reads_as_unwrapped(seed, width):
    """Wire copy cut into lines of a fixed width gives the keyphrases of the same story written one paragraph per
    line: the breaks that only wrap a line end no sentence, name or phrase."""
    import textwrap
    paras = [p for p in seed.body.split("\n") if p.strip()]
    wrapped = Article(id=seed.id, title=seed.title, standfirst=seed.standfirst,
                      body="\n".join(textwrap.fill(p, width) for p in paras))
    plain = Article(id=seed.id, title=seed.title, standfirst=seed.standfirst, body="\n".join(paras))
    assert wrapped.body.count("\n") > 3 * len(paras)
    got, want = (KeywordExtractor(top=10).fit_extract([a])[0] for a in (wrapped, plain))
    assert [p for p, _ in got] == [p for p, _ in want]
