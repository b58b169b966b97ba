"""Corpus reading: every bad input gets an `InputError` naming the file, line or article and the problem."""
import gzip, json
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck
from newsanalysis.core import InputError, OptionError, NewsAnalysisError
from newsanalysis.corpus import read_corpus, Article, Corpus, iter_articles
from newsanalysis.tokens import Tokenizer

def write(p, data):
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p

BAD = {
    "duplicate ids": ("a.jsonl", '{"id":"x","text":"One."}\n{"id":"x","text":"Two."}\n', "article 'x': duplicate id"),
    "empty text": ("a.jsonl", '{"id":"x","text":""}\n', "line 1 / article 'x': empty or whitespace-only text"),
    "whitespace-only text": ("a.jsonl", '{"id":"x","title":"  ","text":" \\n\\t "}\n', "article 'x': empty or whitespace-only text"),
    "missing text field": ("a.jsonl", '{"id":"x","date":"2020-01-01"}\n', "article 'x': missing required field 'text'"),
    "missing id": ("a.jsonl", '{"text":"No id here."}\n', "a.jsonl, line 1: missing required field 'id'"),
    "malformed JSON": ("a.jsonl", '{"id":"x","text":"ok"}\n{"id": "y", "text": \n', "a.jsonl, line 2: malformed JSON"),
    "JSON not an object": ("a.jsonl", '["id", "text"]\n', "line 1: expected an object"),
    "undecodable bytes": ("a.txt", "Titre\nCaf\u00e9 cr\u00e8me\nCorps".encode("latin-1"), "a.txt, line 2: not valid UTF-8 (byte 0xe9"),
    "binary file": ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    "empty file": ("a.txt", b"", "article 'a': empty or whitespace-only text"),
    "csv missing text column": ("a.csv", "id,headline_x\n1,Hello\n", "CSV has no 'text' or 'body' column"),
    "csv missing id column": ("a.csv", "title,text\nHello,World\n", "CSV has no 'id' column"),
    "bad date": ("a.jsonl", '{"id":"x","text":"t","date":"last Tuesday"}\n', "article 'x': date 'last Tuesday' is not an ISO date"),
    "NUL in id": ("a.jsonl", '{"id":"x\\u0000y","text":"t"}\n', "id contains a NUL"),
    "bad gzip": ("a.jsonl.gz", b"not gzip at all", "not a valid gzip file"),
    "unsupported file": ("a.docx", b"PK\x03\x04", "unsupported file type"),
}

@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_problem(tmp_path, case):
    name, data, msg = BAD[case]
    p = write(tmp_path / name, data)
    with pytest.raises(InputError) as e: read_corpus(p)
    assert msg in str(e.value), str(e.value)
    assert isinstance(e.value, ValueError)

def test_empty_folder(tmp_path):
    with pytest.raises(InputError, match="folder has no article files"): read_corpus(tmp_path)

def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"): read_corpus(tmp_path / "nope.jsonl")

def test_lenient_mode_reports_each_skipped(tmp_path):
    p = write(tmp_path / "a.jsonl", '{"id":"a","text":"ok"}\n{"id":"b","text":""}\nnot json\n{"id":"a","text":"again"}\n{"id":"c","text":"fine"}\n')
    c = read_corpus(p, errors="skip")
    assert c.ids == ["a", "c"]
    msgs = [str(e) for e in c.skipped]
    assert len(msgs) == 3
    assert "article 'b': empty" in msgs[0] and "line 3: malformed JSON" in msgs[1] and "article 'a': duplicate id" in msgs[2]

def test_encodings(tmp_path):
    text = "Caf\u00e9 \u201cquoted\u201d\nStandfirst\nBody \u20ac"
    write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
    write(tmp_path / "win.txt", text.encode("cp1252"))
    assert read_corpus(tmp_path / "bom.txt")[0].title == "Caf\u00e9 \u201cquoted\u201d"
    with pytest.raises(InputError, match="name the file's encoding"): read_corpus(tmp_path / "win.txt")
    assert read_corpus(tmp_path / "win.txt", encoding="cp1252")[0].body == "Body \u20ac"
    with pytest.raises(OptionError, match="unknown encoding"): read_corpus(tmp_path / "win.txt", encoding="klingon")

def test_line_ends(tmp_path):
    write(tmp_path / "crlf.txt", "Title\r\nStand\r\nBody one\r\nBody two")
    write(tmp_path / "cr.txt", "Title\rStand\rBody one\rBody two")
    for f in ("crlf.txt", "cr.txt"):
        a = read_corpus(tmp_path / f)[0]
        assert (a.title, a.standfirst, a.body) == ("Title", "Stand", "Body one\nBody two")

def test_all_formats_agree(tmp_path):
    recs = [{"id": "a", "title": "T1", "text": "Body one.", "date": "2020-01-02", "lang": "en"},
            {"id": "b", "title": "T2", "text": "Body two.", "date": None, "lang": "en"}]
    write(tmp_path / "c.jsonl", "".join(json.dumps(r) + "\n" for r in recs))
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress((tmp_path / "c.jsonl").read_bytes()))
    pd.DataFrame(recs).to_csv(tmp_path / "c.csv", index=False)
    forms = [read_corpus(tmp_path / n) for n in ("c.jsonl", "c.jsonl.gz", "c.csv")] + [read_corpus(pd.DataFrame(recs)), read_corpus(recs)]
    for c in forms[1:]: assert [(a.id, a.title, a.body, a.date) for a in c] == [(a.id, a.title, a.body, a.date) for a in forms[0]]

def test_dataframe_nan_none(tmp_path):
    df = pd.DataFrame({"id": ["a", "b"], "title": [None, float("nan")], "text": ["x", "y"], "date": [pd.NaT, None]})
    c = read_corpus(df)
    assert [a.title for a in c] == [None, None] and [a.date for a in c] == [None, None]

def test_not_a_source():
    with pytest.raises(OptionError, match="cannot read articles from a int"): read_corpus(42)
    with pytest.raises(OptionError, match="errors must be"): read_corpus([{"id": "a", "text": "x"}], errors="ignore")

def test_corpus_lookup():
    c = read_corpus([{"id": "a", "text": "x"}, {"id": "b", "text": "y"}])
    assert c["b"].body == "y" and c[0].id == "a" and "a" in c
    with pytest.raises(InputError, match="article 'z': no such article"): c["z"]
    assert "<table>" in c._repr_html_() and "Corpus(2 articles" in repr(c)

def test_html_repr_escapes():
    c = read_corpus([{"id": "<b>id</b>", "title": "<script>alert(1)</script>", "text": "x"}])
    h = c._repr_html_()
    assert "<script>" not in h and "&lt;script&gt;" in h and "&lt;b&gt;id" in h

# --- properties ---------------------------------------------------------------------------------------

text_st = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), min_size=1, max_size=200)

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_st, st.sampled_from(["en", "fr", "de", "es", "pt", "ca"]))
def test_token_offsets_point_into_text(text, lang):
    tok = Tokenizer(lang)
    toks = tok.tokens(text)
    for t in toks: assert text[t.start:t.end] == t.text
    assert [t.term for t in toks if t.term] == tok(text)
    assert all(a.start <= b.start for a, b in zip(toks, toks[1:]))

rec_st = st.fixed_dictionaries({"title": st.one_of(st.none(), text_st), "standfirst": st.one_of(st.none(), text_st), "text": text_st,
                                "date": st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())), "lang": st.sampled_from(["en", "fr"])})

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(rec_st, min_size=1, max_size=8))
def test_jsonl_roundtrip_lossless(tmp_path, recs):
    recs = [dict(r, id=f"id-{i}") for i, r in enumerate(recs)]
    try: c = read_corpus(recs)
    except InputError: return  # an all-whitespace article is refused, as it must be
    p = tmp_path / "round.jsonl"
    c.to_jsonl(p)
    assert read_corpus(p).articles == c.articles
