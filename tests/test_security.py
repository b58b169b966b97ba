"""Security: article text never becomes markup, ids never become file paths, nothing is unpickled, nothing goes on
the network.

- Every HTML output (report.html and the notebook reprs of `Corpus`, `Analysis`, `Highlight`, `TopicModel`) escapes
  article text; checked on the strings and in headless Chromium, where a hostile title must render as text and its
  script must not run.
- The only file names the package writes are fixed ones (or ones a user gives as an option); a static audit lists
  every place in the package that writes a file, so a new one cannot appear unreviewed.
- No pickle (or joblib, marshal, shelve) anywhere in the package.
- No CSV cell that the package writes runs as a spreadsheet formula (text starting with = + - @ is quoted).
- The main job runs with the network blocked: in-process (socket calls raise), under an audit hook in a subprocess,
  and in a network namespace without interfaces (`unshare -n`, when available).
"""
from __future__ import annotations
import ast, json, os, re, shutil, subprocess, sys, uuid
from pathlib import Path

import pandas as pd
import pytest

import newsanalysis
from newsanalysis.analysis import analyse
from newsanalysis.corpus import read_corpus
from newsanalysis.keywords import highlight

ROOT = Path(__file__).resolve().parents[1]
PKG = Path(newsanalysis.__file__).parent
CLI = str(Path(sys.executable).parent / "newsanalysis")

SCRIPT = "<script>document.documentElement.setAttribute('data-pwned','script')</script>"
IMG = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"
SVG = "</td></tr></table><svg onload=\"document.documentElement.setAttribute('data-pwned','svg')\">"
MARKERS = ("<script>document", "<img src=x", "<svg onload", "</td></tr></table><svg")

HOSTILE = [
    {"id": "evil-title", "title": f"{SCRIPT} Ceasefire talks &amp; &lt;b&gt;", "standfirst": IMG,
     "text": f"Ceasefire talks resumed in Geneva. {SVG} The ceasefire talks script alert continue.", "label": SCRIPT, "date": "2020-01-02"},
    {"id": IMG, "title": "Floods hit Venice", "text": "Floods hit Venice again as the tide rose above the city walls. Floods."},
    {"id": "ok", "title": "Storm hits coast", "text": f"A storm hit the coast of Brittany on Monday. {SCRIPT}"},
    {"id": SCRIPT, "text": " "},  # a skipped record whose id is markup: it is listed in the report too
]


@pytest.fixture(scope="module")
def hostile():
    res = analyse(HOSTILE, n_topics=2, quiet=True)
    corpus = read_corpus(HOSTILE, errors="skip")
    pages = {
        "report": res.report_html(),
        "Analysis": res._repr_html_(),
        "Corpus": corpus._repr_html_(),
        "Highlight": highlight(corpus["evil-title"], ["ceasefire talks", "script"])._repr_html_(),
        "TopicModel": res.model._repr_html_(),
    }
    return res, pages


def test_html_outputs_escape_article_text(hostile):
    _, pages = hostile
    for name, h in pages.items():
        assert h, name
        for m in MARKERS: assert m not in h, (name, m)
    assert "&lt;script&gt;document.documentElement" in pages["report"] and "&lt;script&gt;document.documentElement" in pages["Corpus"]
    assert "AT&amp;amp;T" not in pages["report"] and "&amp;amp;" in pages["report"]  # an entity in the title shows as typed


def _chromium(chromium, url, tmp, *extra):
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp / ('profile-' + uuid.uuid4().hex[:8])}", "--virtual-time-budget=3000", *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


@pytest.mark.browser
def test_hostile_title_renders_as_text_in_chromium(hostile, chromium, tmp_path):
    "The report and the notebook reprs, opened in Chromium: the title shows as text and no injected script runs."
    res, pages = hostile
    out = tmp_path / "out"
    res.save(out)
    reprs = tmp_path / "reprs.html"  # as a notebook shows them: no Content-Security-Policy to help
    reprs.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>reprs</title></head><body>" +
                     "".join(f"<h2>{n}</h2>{h}" for n, h in pages.items() if n != "report") + "</body></html>", encoding="utf-8")
    shots = Path(os.environ.get("NEWSANALYSIS_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for page in (out / "report.html", reprs):
        r = _chromium(chromium, page.as_uri(), tmp_path, "--dump-dom")
        dom = r.stdout
        assert "</html>" in dom, r.stderr[-2000:]
        assert 'data-pwned="' not in dom, f"injected markup ran in {page.name}"  # the attribute a payload would set
        assert "&lt;script&gt;document.documentElement.setAttribute('data-pwned','script')&lt;/script&gt; Ceasefire talks" in dom
        _chromium(chromium, page.as_uri(), tmp_path, f"--screenshot={shots / ('hostile-' + page.stem + '.png')}", "--window-size=1280,3600")
        assert (shots / f"hostile-{page.stem}.png").stat().st_size > 10_000


# --- ids never become file paths ---------------------------------------------------------------------------------

def _tree(root: Path) -> set:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_ids_never_become_file_paths(tmp_path):
    token = uuid.uuid4().hex[:10]
    ids = [f"../../pwned-{token}", f"/tmp/pwned-{token}", "report.html", "articles.csv", f"~/pwned-{token}", "..", ".", "con",
           f"C:\\pwned-{token}", f"sub/dir/pwned-{token}"]
    work = tmp_path / "a" / "b"
    (work / "in").mkdir(parents=True)
    with open(work / "in" / "x.jsonl", "w", encoding="utf-8") as f:
        for n, i in enumerate(ids): f.write(json.dumps({"id": i, "text": f"Storm number {n} hits the coast of Brittany."}) + "\n")
    before = _tree(tmp_path)
    for args in (["analyse", "in", "--out", "out"], ["keywords", "in", "--out", "kw.jsonl"],
                 ["topics", "in", "--out", "t.jsonl", "--topics-out", "topics.jsonl"]):
        r = subprocess.run([CLI, *args, "-q"], cwd=work, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    new = _tree(tmp_path) - before
    expected = {"a/b/out", "a/b/kw.jsonl", "a/b/t.jsonl", "a/b/topics.jsonl"} | {f"a/b/out/{t}.{e}" for t in ("articles", "keyphrases", "topics", "article_topics") for e in ("csv", "parquet")} | {"a/b/out/report.html"}
    assert new == expected, new ^ expected
    assert not list(Path("/tmp").glob(f"pwned-{token}*")) and not list(Path.home().glob(f"pwned-{token}*"))
    assert pd.read_csv(work / "out" / "articles.csv", keep_default_na=False).id.tolist() == ids


# Every place in the package that writes a file, and why it is safe. A new one makes the test fail until reviewed.
AUDITED_WRITERS = {
    "analysis._save": "fixed names (articles.csv, ..., report.html) in a staging folder made by mkdtemp inside the user's out_dir, then renamed",
    "cli.open_output": "the user's --out / --topics-out file, via mkstemp beside it, then renamed",
    "cli.main": "opens os.devnull after a broken pipe",
    "corpus.Corpus.to_jsonl": "the path the caller gives",
    "report.fig_to_data_uri": "savefig into an in-memory buffer",
    "semantic.distill_static": "the model folder the caller gives, or the cache folder; fixed file names inside",
    "topics.write_records": "a stream the caller gives",
    "scale.TableSink.__init__": "the caller's out_dir and a mkdtemp staging folder inside it",
    "scale.TableSink.write": "fixed table names in the staging folder",
    "scale.TableSink.write_whole": "fixed table names in the staging folder",
    "scale.TableSink.close": "fixed names (and report.html) renamed from the staging folder into out_dir",
}
WRITE_CALLS = {"open", "write_text", "write_bytes", "to_csv", "to_parquet", "to_json", "to_pickle", "mkdir", "makedirs", "mkstemp", "mkdtemp",
               "savefig", "save_pretrained", "copyfile", "copytree", "move", "NamedTemporaryFile", "TemporaryDirectory", "ParquetWriter"}
OS_CALLS = {"replace", "rename", "link", "symlink"}  # only as os.replace etc. (not str.replace, DataFrame.rename)


def _writers():
    "`module.function` -> the file-writing calls made there, for every module of the package."
    found = {}
    for py in sorted(PKG.glob("*.py")):
        if py.name.startswith("_"): continue
        def visit(node, where):
            for child in ast.iter_child_nodes(node):
                w = f"{where}.{child.name}" if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else where
                if isinstance(child, ast.Call):
                    f = child.func
                    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
                    on_os = isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("os", "shutil")
                    if name in WRITE_CALLS or (name in OS_CALLS and on_os): found.setdefault(where, set()).add(name)
                visit(child, w)
        visit(ast.parse(py.read_text(encoding="utf-8")), py.stem)
    return found


def test_every_file_writer_is_audited():
    found = _writers()
    unaudited = {w: c for w, c in found.items() if w not in AUDITED_WRITERS}
    assert not unaudited, f"file-writing calls not yet reviewed for id-derived paths: {unaudited}"


# --- no pickle ------------------------------------------------------------------------------------------------------

UNSAFE = re.compile(r"\b(import\s+(c?pickle|joblib|marshal|shelve|dill|cloudpickle)|from\s+(c?pickle|joblib|marshal|shelve|dill|cloudpickle)\s+import"
                    r"|pickle\.loads?|joblib\.load|torch\.load|read_pickle|allow_pickle\s*=\s*True|yaml\.load\(|eval\(|exec\()")


def test_no_pickle_or_eval_in_the_package():
    hits = [f"{py.name}:{n}: {line.strip()}" for py in sorted(PKG.glob("*.py")) if py.name != "_modidx.py"
            for n, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1) if UNSAFE.search(line)]
    assert hits == [], hits


# --- no network -----------------------------------------------------------------------------------------------------

def test_no_network_in_process(monkeypatch, tmp_path):
    import socket
    calls = []
    def refuse(*a, **k):
        calls.append(a[1:2] or a[:1]); raise OSError("network access attempted during the analysis")
    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    res = analyse(ROOT / "data", quiet=True)
    res.save(tmp_path / "out")
    from newsanalysis.cli import main
    assert main(["keywords", str(ROOT / "data" / "putin-troops-legitimate-target.txt"), "--out", str(tmp_path / "kw.jsonl"), "-q"]) == 0
    assert calls == []
    assert len(pd.read_csv(tmp_path / "out" / "articles.csv")) == 294


AUDIT = r"""
import sys
def hook(event, args):
    if event.split(".")[0] == "socket" and event not in ("socket.__new__",) or event in ("urllib.Request", "http.client.connect"):
        sys.stderr.write(f"NETWORK {event} {args!r}\n"); raise RuntimeError("network access")
sys.addaudithook(hook)
from newsanalysis.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_no_network_attempt_in_a_subprocess(tmp_path):
    "The main job under an audit hook that refuses (and reports) every socket operation."
    r = subprocess.run([sys.executable, "-c", AUDIT, "analyse", str(ROOT / "data"), "--out", str(tmp_path / "out"), "-q"],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0 and "NETWORK" not in r.stderr, r.stderr[-3000:]
    assert (tmp_path / "out" / "report.html").exists()


def _unshare_works() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="unshare -n is not available (needs root or user namespaces)")
def test_main_job_without_a_network(tmp_path):
    "The command line job in a network namespace with no interfaces at all."
    r = subprocess.run(["unshare", "-n", CLI, "analyse", str(ROOT / "data"), "--out", str(tmp_path / "out"), "-q"],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[-1] == "topics.parquet"


# A spreadsheet runs a cell that starts with = + - @ as a formula ("CSV injection"): every CSV the package writes
# quotes such text with an apostrophe, leaves numbers alone, and the Parquet tables keep the text as it was.
FORMULAS = ['=HYPERLINK("http://example.com/x","Read more")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1 (555) 0100 call", "-2+3+cmd|' /C calc'!A0"]


def _runs_as_formula(cell: str) -> bool:
    if not cell.startswith(("=", "+", "-", "@", "\t", "\r")): return False
    try: float(cell); return False
    except ValueError: return True


def test_csv_cells_never_run_as_formulas(tmp_path):
    import csv
    recs = [{"id": f, "title": f, "text": f"Storm number {n} hits the coast of Brittany. The storm closed ports in Brest."}
            for n, f in enumerate(FORMULAS)] + [{"id": "-7", "title": "-7", "text": "Floods hit Venice as the tide rose. Floods."}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    runs = {"analyse": ["analyse", str(src), "--out", "out"], "workers": ["analyse", str(src), "--out", "out2", "--workers", "2"],
            "keywords": ["keywords", str(src), "--format", "csv", "--out", "kw.csv"],
            "topics": ["topics", str(src), "--format", "csv", "--out", "t.csv", "--topics-out", "topics.csv"]}
    for name, args in runs.items():
        r = subprocess.run([CLI, *args, "-q"], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, (name, r.stderr)
    files = sorted(tmp_path.rglob("*.csv"))
    assert len(files) == 11, files
    for p in files:
        with open(p, newline="", encoding="utf-8") as f: rows = list(csv.reader(f))
        bad = [c for row in rows for c in row if _runs_as_formula(c)]
        assert not bad, (p.name, bad)
    for d in ("out", "out2"):
        arts = pd.read_csv(tmp_path / d / "articles.csv", keep_default_na=False, dtype=str)
        assert arts.id.tolist() == ["'" + f for f in FORMULAS] + ["-7"]
        assert pd.read_parquet(tmp_path / d / "articles.parquet").id.tolist() == [r["id"] for r in recs]
    kw = pd.read_csv(tmp_path / "kw.csv", keep_default_na=False, dtype=str)
    assert kw.id.tolist() == ["'" + f for f in FORMULAS] + ["-7"]
