"""The catalogue of bad and awkward inputs, each run through the Python API (`analyse`) and the command line
(`newsanalysis analyse`, `keywords` and `topics`, as subprocesses), and the fault tolerance of the batch job.

Every case ends one of two ways:

- a project exception (`NewsAnalysisError`) whose message names the file, line or article and the problem; on the
  command line: a non-zero exit code (1 bad input, 2 bad option), exactly one line on standard error, no traceback,
  no output written;
- the input is processed and every input record appears in every output, in input order, with an explicit status
  (`ok`, `no-terms` or `skipped` with the reason): the `articles`, `keyphrases` and `article_topics` tables (in
  Python, and as CSV and Parquet files from the command line) and the `keywords` / `topics` records.

`CASES`, `run_api` and `run_cli` are also used by the documentation page `nbs/reliability.ipynb`, which builds the
catalogue table by running every case, so the page shows what the code does.
"""
from __future__ import annotations
import contextlib, io, json, os, re, signal, subprocess, sys, time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from newsanalysis.core import NewsAnalysisError, OptionError
from newsanalysis.analysis import analyse

CLI = str(Path(sys.executable).parent / "newsanalysis")
TABLES = ("articles", "keyphrases", "article_topics")
OUT_FILES = sorted([f"{t}.{e}" for t in (*TABLES, "topics") for e in ("csv", "parquet")] + ["report.html"])

# --- the cases -----------------------------------------------------------------------------------------------


@dataclass
class Case:
    "One bad or awkward input, and what must happen to it."
    name: str  # what the input is, for people
    files: dict = field(default_factory=dict)  # file name under the case folder -> text (written as UTF-8) or bytes
    input: str = "in"  # the path given to the API and the CLI, relative to the case folder
    options: dict = field(default_factory=dict)  # analyse() keywords; the CLI gets the same as flags
    error: str | None = None  # the expected failure: a piece of its message (API and CLI)
    exit: int = 1  # the CLI exit code of an expected failure
    expect: list = field(default_factory=list)  # [(id, outcome, piece of reason)] in input order; outcome ok / no-terms / skipped
    cli_expect: list | None = None  # when the CLI's record ids differ (a DataFrame row vs a CSV line)
    api: Callable | None = None  # builds the API source from the case folder (e.g. a DataFrame) instead of the path
    check: Callable | None = None  # extra check on the API's Analysis
    commands: tuple | None = None  # CLI commands to run (default: analyse and keywords; topics too when a record is not ok)
    slow: bool = False  # over a minute: marked `slow`
    large: bool = False  # left out of the docs page, which must build quickly
    mkdir: bool = True  # create `in/` even when `files` is empty

    def build(self, root: Path) -> Path:
        "Write the input files under `root` (the case folder)."
        if self.mkdir: (root / "in").mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            p = root / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data() if callable(data) else data if isinstance(data, bytes) else data.encode("utf-8"))
        return root

    def __post_init__(self):
        if self.commands is None:
            self.commands = ("analyse", "keywords") + (("topics",) if any(w != "ok" for _, w, _ in self.expect) else ())

    def flags(self) -> list:
        o, f = self.options, []
        if "encoding" in o: f += ["--encoding", o["encoding"]]
        if "lang" in o: f += ["--lang", o["lang"]]
        if o.get("errors") == "raise": f += ["--strict"]
        return f


def jl(*recs) -> str:
    "JSON Lines text of records (dicts, or raw strings for broken lines)."
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in recs)


GOOD = {"id": "good", "title": "Floods hit Venice", "text": "Floods hit Venice again as the tide rose above the city walls."}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
FR = "Caf\u00e9 cr\u00e8me \u00e0 Paris\nLe prix du caf\u00e9 augmente.\nLes caf\u00e9s parisiens augmentent leurs prix."
WIN = "Storm \u201cCiara\u201d hits Britain\nDamage costs \u20ac1bn.\nThe storm\u2019s winds reached 150 km/h on the coast."
HOSTILE_TITLE = "<script>document.documentElement.setAttribute('data-pwned','script')</script> AT&amp;T &lt;b&gt; deal"


def _big_article() -> bytes:
    import random
    rnd = random.Random(0)
    words = ("government announced measures energy prices unions Paris Berlin strikes pensions wages inflation markets "
             "minister parliament vote budget hospital doctors nurses railway workers airport flights cancelled").split()
    sents, size = [], 0
    while size < 10_000_000:
        s = " ".join(rnd.choice(words) for _ in range(14)).capitalize() + "."
        sents.append(s); size += len(s) + 1
    return jl({"id": "big", "title": "A ten-megabyte article", "text": " ".join(sents)}, GOOD).encode("utf-8")


def _many_articles(n=100_000) -> bytes:
    words = "storm flood vote budget strike match election court fire market".split()
    return "".join(json.dumps({"id": f"n{i:06d}", "text": f"{words[i % 10].capitalize()} in town {i % 97}; {words[(i * 7) % 10]} news."}) + "\n"
                   for i in range(n)).encode("utf-8")


def _nan_frame(root: Path) -> pd.DataFrame:
    return pd.DataFrame({"id": ["a", "b", None, "d"], "title": [float("nan"), "A title", "Orphan", None],
                         "text": ["Floods hit Venice again as the tide rose.", None, "Text without an id.", "Storm hits the coast of Brittany."],
                         "date": [pd.NaT, "2020-01-02", None, float("nan")]})


def _check_title(expected):
    def check(res):
        t = dict(zip(res.articles.id, res.articles.title))
        for i, title in expected.items(): assert t[i] == title, (i, t[i], title)
    return check


def _check_hostile(res):
    assert res.articles.title.tolist()[0] == HOSTILE_TITLE  # kept verbatim, entities not decoded
    page = res.report_html()
    assert "<script>document" not in page and "&lt;script&gt;document.documentElement" in page
    assert "AT&amp;amp;T" in page  # the entity is shown as the text it is


def _check_zero_width(res):
    assert res.articles.title.tolist()[0] == "Ukraine talks in Geneva"
    phrases = set(res.keyphrases.phrase.dropna().str.lower())
    assert not phrases & {"ukr", "aine"}, phrases


def _check_languages(res):
    assert res.articles.language.tolist() == ["en", "fr", "de", "es", "en"]


def _check_region_tag(res):
    assert res.articles.language.tolist() == ["en", "xx"]


CASES = [
    Case("empty file", {"in/empty.txt": b""}, input="in/empty.txt",
         error="no article could be read: in/empty.txt / article 'empty': empty or whitespace-only text"),
    Case("empty JSON Lines file", {"in/empty.jsonl": b""}, input="in/empty.jsonl", error="in/empty.jsonl: no articles in the input"),
    Case("empty folder", {}, error="in: folder has no article files"),
    Case("folder with no article files", {"in/notes.docx": b"PK\x03\x04", "in/.hidden.txt": "Hidden\nfile"}, error="folder has no article files"),
    Case("missing path", {}, input="in/nope.jsonl", error="in/nope.jsonl: no such file or folder"),
    Case("unsupported file type", {"in/a.docx": b"PK\x03\x04"}, input="in/a.docx", error="unsupported file type"),
    Case("whitespace-only text", {"in/a.jsonl": jl(GOOD, {"id": "blank", "title": "  ", "text": " \n\t "})},
         expect=[("good", "ok", ""), ("blank", "skipped", "empty or whitespace-only text")]),
    Case("binary file", {"in/logo.txt": PNG}, input="in/logo.txt", error="in/logo.txt: binary file (NUL bytes): not a text file"),
    Case("binary file in a folder", {"in/good.txt": "Floods hit Venice\nThe tide rose.\nWater covered the square.", "in/logo.txt": PNG},
         expect=[("good", "ok", ""), ("logo.txt", "skipped", "binary file")]),
    Case("Latin-1 text", {"in/fr.txt": FR.encode("latin-1")}, input="in/fr.txt",
         error="in/fr.txt, line 1: not valid UTF-8 (byte 0xe9 at offset 3); name the file's encoding"),
    Case("Latin-1 text, --encoding latin-1", {"in/fr.txt": FR.encode("latin-1")}, input="in/fr.txt",
         options={"encoding": "latin-1", "lang": "fr"}, expect=[("fr", "ok", "")], check=_check_title({"fr": "Caf\u00e9 cr\u00e8me \u00e0 Paris"})),
    Case("Windows-1252 text", {"in/win.txt": WIN.encode("cp1252")}, input="in/win.txt", error="not valid UTF-8 (byte 0x93"),
    Case("Windows-1252 text, --encoding cp1252", {"in/win.txt": WIN.encode("cp1252")}, input="in/win.txt",
         options={"encoding": "cp1252"}, expect=[("win", "ok", "")], check=_check_title({"win": "Storm \u201cCiara\u201d hits Britain"})),
    Case("unknown --encoding", {"in/win.txt": WIN.encode("cp1252")}, input="in/win.txt", options={"encoding": "klingon"},
         error="unknown encoding 'klingon'", exit=2),
    Case("UTF-8 with BOM (JSON Lines and CSV)", {"in/a.jsonl": b"\xef\xbb\xbf" + jl(GOOD).encode(),
                                               "in/b.csv": b"\xef\xbb\xbf" + "id,title,text\ncsv-1,Storm hits coast,A storm hit the coast.\n".encode()},
         expect=[("good", "ok", ""), ("csv-1", "ok", "")]),
    Case("CRLF line ends", {"in/crlf.txt": "Storm hits coast\r\nThousands without power.\r\nA storm hit the coast.\r\nRoads closed."},
         input="in/crlf.txt", expect=[("crlf", "ok", "")], check=_check_title({"crlf": "Storm hits coast"})),
    Case("lone CR line ends", {"in/cr.txt": "Storm hits coast\rThousands without power.\rA storm hit the coast.\rRoads closed."},
         input="in/cr.txt", expect=[("cr", "ok", "")], check=_check_title({"cr": "Storm hits coast"})),
    Case("a 10 MB article", {"in/big.jsonl": _big_article}, expect=[("big", "ok", ""), ("good", "ok", "")], commands=("analyse",), large=True),
    Case("100k tiny articles", {"in/many.jsonl": _many_articles}, expect=[(f"n{i:06d}", "ok", "") for i in range(100_000)],
         commands=("analyse",), slow=True, large=True),
    Case("duplicate ids", {"in/a.jsonl": jl(GOOD, dict(GOOD, text="A second story with the same id."), {"id": "other", "text": "Storm hits the coast of Brittany."})},
         expect=[("good", "ok", ""), ("good", "skipped", "duplicate id"), ("other", "ok", "")]),
    Case("ids with / and ..", {"in/a.jsonl": jl(*[{"id": i, "text": f"Storm number {n} hits the coast of Brittany."}
                                                 for n, i in enumerate(["../../outside", "a/b", "/etc/passwd", "..", "report.html"])])},
         expect=[(i, "ok", "") for i in ["../../outside", "a/b", "/etc/passwd", "..", "report.html"]]),
    Case("id with a NUL", {"in/a.jsonl": jl(GOOD, {"id": "x\u0000y", "text": "Text."})},
         expect=[("good", "ok", ""), ("x\x00y", "skipped", "id contains a NUL or line-break character")]),
    Case("id with a newline", {"in/a.jsonl": jl(GOOD, {"id": "two\nlines", "text": "Text."})},
         expect=[("good", "ok", ""), ("two\nlines", "skipped", "id contains a NUL or line-break character")]),
    Case("file name with a newline, --strict", {"in/bad\nname.txt": "Title\nStandfirst\nBody.", "in/good.txt": "Floods\nTide\nWater."},
         options={"errors": "raise"}, error="article 'bad\\nname': id contains a NUL or line-break character"),
    Case("malformed JSON lines", {"in/a.jsonl": jl(GOOD, '{"id": "cut", "text": "Half a rec', "[1, 2]", {"id": "after", "text": "Storm hits the coast."})},
         expect=[("good", "ok", ""), ("a.jsonl:2", "skipped", "malformed JSON"), ("a.jsonl:3", "skipped", "expected an object with fields"),
                 ("after", "ok", "")]),
    Case("malformed JSON line, --strict", {"in/a.jsonl": jl(GOOD, '{"id": "cut", "text": "Half a rec')}, options={"errors": "raise"},
         error="in/a.jsonl, line 2: malformed JSON"),
    Case("CSV with a missing column", {"in/a.csv": "id,headline_x\n1,Hello\n"}, input="in/a.csv",
         error="in/a.csv: CSV has no 'text' or 'body' column (columns: id, headline_x)"),
    Case("CSV rows with missing fields", {"in/a.csv": "id,title,text\nr1,Floods,Floods hit Venice again.\nr2,Only a title\nr3\n"},
         expect=[("r1", "ok", ""), ("r2", "ok", ""), ("r3", "skipped", "empty or whitespace-only text")]),
    Case("NaN/None fields in a DataFrame", {"in/frame.csv": lambda: _nan_frame(None).to_csv(index=False).encode()}, api=_nan_frame,
         expect=[("a", "ok", ""), ("b", "ok", ""), ("DataFrame:2", "skipped", "missing required field 'id'"), ("d", "ok", "")],
         cli_expect=[("a", "ok", ""), ("b", "ok", ""), ("frame.csv:4", "skipped", "missing required field 'id'"), ("d", "ok", "")]),
    Case("<script> and HTML entities in a title", {"in/a.jsonl": jl({"id": "evil", "title": HOSTILE_TITLE, "text": "The &quot;deal&quot; &amp; more <b>bold</b> news."}, GOOD)},
         expect=[("evil", "ok", ""), ("good", "ok", "")], check=_check_hostile),
    Case("right-to-left text", {"in/a.jsonl": jl({"id": "ar", "lang": "ar", "title": "\u062d\u0631\u0627\u0626\u0642 \u0641\u064a \u0644\u0628\u0646\u0627\u0646",
                                                 "text": "\u0627\u0646\u062f\u0644\u0639\u062a \u062d\u0631\u0627\u0626\u0642 \u0641\u064a \u063a\u0627\u0628\u0627\u062a \u0644\u0628\u0646\u0627\u0646 \u064a\u0648\u0645 \u0627\u0644\u0627\u062b\u0646\u064a\u0646."},
                                                {"id": "he", "lang": "he", "text": "\u200f\u05e9\u05e8\u05d9\u05e4\u05d4 \u05e4\u05e8\u05e6\u05d4 \u05d1\u05d9\u05e2\u05e8 \u05d4\u05db\u05e8\u05de\u05dc."})},
         expect=[("ar", "ok", ""), ("he", "ok", "language 'he' is not supported")]),
    Case("zero-width and control characters", {"in/a.jsonl": jl({"id": "zw", "title": "Ukr\u200baine talks in Geneva",
                                                                "text": "Ukr\u200baine and Russia\u00ad held talks \x07 in \x1b[31mGeneva\x1b[0m.\x0c Geneva talks go on\u2060."}, GOOD)},
         expect=[("zw", "ok", ""), ("good", "ok", "")], check=_check_zero_width),
    Case("emoji", {"in/a.jsonl": jl({"id": "\U0001f389", "title": "Fans \U0001f389 celebrate", "text": "Fans \U0001f389\U0001f3c6 celebrate the victory of the team in Madrid \U0001f1ea\U0001f1f8. \U0001f468\u200d\U0001f469\u200d\U0001f467"}, GOOD)},
         expect=[("\U0001f389", "ok", ""), ("good", "ok", "")]),
    Case("mixed languages", {"in/a.jsonl": jl(GOOD, {"id": "fr", "lang": "fr", "text": "Les inondations frappent Venise alors que la mar\u00e9e monte."},
                                              {"id": "de", "lang": "de", "text": "Hochwasser trifft Venedig, als die Flut steigt."},
                                              {"id": "es", "lang": "es", "text": "Las inundaciones golpean Venecia mientras sube la marea."},
                                              {"id": "mix", "text": "Floods hit Venise: les inondations frappent again, and the marea sube."})},
         expect=[(i, "ok", "") for i in ("good", "fr", "de", "es", "mix")], check=_check_languages),
    Case("one-word article", {"in/a.jsonl": jl({"id": "one", "text": "Ceasefire"}, GOOD)}, expect=[("one", "ok", ""), ("good", "ok", "")]),
    Case("all-stop-words article", {"in/a.jsonl": jl({"id": "stop", "title": "The", "text": "And of the to it is was, but not for them."}, GOOD)},
         expect=[("stop", "no-terms", ""), ("good", "ok", "")]),
    Case("unknown language code in an article", {"in/a.jsonl": jl(dict(GOOD, lang="en-GB"), {"id": "xx", "lang": "xx", "text": "Floods hit Venice again."})},
         expect=[("good", "ok", ""), ("xx", "ok", "language 'xx' is not supported")], check=_check_region_tag),
    Case("unknown --lang", {"in/a.jsonl": jl(GOOD)}, options={"lang": "klingon"}, error="unsupported language 'klingon'", exit=2),
    Case("bad date", {"in/a.jsonl": jl(GOOD, {"id": "when", "text": "Text.", "date": "last Tuesday"})},
         expect=[("good", "ok", ""), ("when", "skipped", "date 'last Tuesday' is not an ISO date")]),
]

# --- running a case ------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    "What happened to a case in one interface."
    error: str | None = None  # the exception type and message, or the CLI's standard error
    code: int | None = None  # the CLI exit code
    ids: dict = field(default_factory=dict)  # output name -> list of ids in it
    status: dict = field(default_factory=dict)  # output name -> list of (id, status, reason)
    problems: list = field(default_factory=list)  # anything that breaks the rules (traceback, extra lines, files left)
    analysis: object = None


def _rows(df: pd.DataFrame, reason=True) -> list:
    df = df.astype({"id": str})
    r = df["reason"].fillna("").astype(str) if reason and "reason" in df else [""] * len(df)
    return list(zip(df.id, df.status.astype(str), r))


def _tables_outcome(o: Outcome, arts, kp, at, suffix=""):
    for name, df, reason in (("articles", arts, True), ("keyphrases", kp, False), ("article_topics", at, False)):
        o.ids[name + suffix] = df.id.astype(str).tolist()
        o.status[name + suffix] = _rows(df, reason)


def run_api(case: Case, root: Path) -> Outcome:
    "Run `analyse` on the case (built under `root`), from inside `root` so messages show relative paths."
    o = Outcome()
    with contextlib.chdir(root):
        src = case.api(root) if case.api else case.input
        try: res = analyse(src, quiet=True, **case.options)
        except NewsAnalysisError as e:
            o.error = f"{type(e).__name__}: {e}"; return o
        o.analysis = res
        _tables_outcome(o, res.articles, res.keyphrases, res.article_topics)
    return o


def _cli_proc(cmd: str, case: Case, root: Path, out: Path):
    args = [CLI, cmd, case.input, "--quiet", *case.flags()]
    args += ["--out", str(out)]
    return subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _inprocess(args: list, root: Path):
    "Run `newsanalysis ARGS` in this process: (exit code, stdout, stderr)."
    from newsanalysis.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = main(args)
        except SystemExit as e: code = e.code
        except BaseException as e:  # what would be a traceback in a real process
            import traceback
            traceback.print_exc(file=err); code = 1
    return code, out.getvalue(), err.getvalue()


def run_cli(case: Case, root: Path, inprocess: bool = False) -> Outcome:
    "Run the case's commands on the command line (subprocesses, all at once; or in this process, for the docs page)."
    o = Outcome()
    outs = {"analyse": root / "out", "keywords": root / "keywords.jsonl", "topics": root / "topics.jsonl"}
    results = {}
    if inprocess:
        for c in case.commands:
            results[c] = _inprocess([c, case.input, "--quiet", *case.flags(), "--out", str(outs[c])], root)
    else:
        procs = {c: _cli_proc(c, case, root, outs[c]) for c in case.commands}
        for c, p in procs.items():
            so, se = p.communicate(timeout=900)
            results[c] = (p.returncode, so, se)
    codes = {c: r[0] for c, r in results.items()}
    for c, (code, so, se) in results.items():
        if "Traceback" in se: o.problems.append(f"{c}: traceback")
        if code != 0:
            lines = se.splitlines()
            if len(lines) != 1 or not lines[0].startswith("newsanalysis: error: "): o.problems.append(f"{c}: stderr is not one error line: {se!r}")
            o.error, o.code = (lines[-1] if lines else ""), code
        elif se.strip(): o.problems.append(f"{c}: unexpected messages on stderr: {se[:300]!r}")
    if len(set(codes.values())) > 1: o.problems.append(f"commands disagree: {codes}")
    if o.error is not None:
        left = [p.name for p in outs.values() if p.exists() and (p.is_file() or any(p.iterdir()))]
        if left: o.problems.append(f"output written although the command failed: {left}")
        return o
    if "analyse" in results:
        out = outs["analyse"]
        names = sorted(p.name for p in out.iterdir())
        if names != OUT_FILES: o.problems.append(f"analyse wrote {names}")
        csv = {t: pd.read_csv(out / f"{t}.csv", dtype={"id": str}, keep_default_na=False, na_values=[]) for t in TABLES}
        pq = {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}
        _tables_outcome(o, csv["articles"].replace({"reason": {"": None}}), csv["keyphrases"], csv["article_topics"], " (csv)")
        _tables_outcome(o, pq["articles"], pq["keyphrases"], pq["article_topics"], " (parquet)")
    for c in ("keywords", "topics"):
        if c in results:
            recs = [json.loads(line) for line in outs[c].read_text(encoding="utf-8").splitlines()]
            o.ids[f"{c} records"] = [r["id"] for r in recs]
            o.status[f"{c} records"] = [(r["id"], r["status"], r.get("reason", "")) for r in recs]
    return o


# --- judging an outcome ----------------------------------------------------------------------------------------

KP_STATUS = {"ok": {"ok"}, "no-terms": {"no-terms", "empty"}, "skipped": {"skipped"}}
AT_STATUS = {"ok": {"ok"}, "no-terms": {"no-terms"}, "skipped": {"skipped"}}


def judge(case: Case, o: Outcome, cli: bool = False) -> list:
    "The ways `o` breaks the rules for `case` (an empty list when it keeps them)."
    bad = list(o.problems)
    if case.error is not None:
        if o.error is None: return bad + ["expected an error, got none"]
        if case.error not in o.error: bad.append(f"error {o.error!r} does not contain {case.error!r}")
        if cli and o.code != case.exit: bad.append(f"exit code {o.code}, expected {case.exit}")
        if not cli and case.exit == 2 and not o.error.startswith("OptionError"): bad.append("expected an OptionError")
        return bad
    if o.error is not None: return bad + [f"unexpected error: {o.error}"]
    expect = case.cli_expect if cli and case.cli_expect is not None else case.expect
    ids = [i for i, _, _ in expect]
    for name, got in o.ids.items():
        if name.startswith(("articles", "article_topics", "keywords", "topics")):
            if got != ids: bad.append(f"{name}: ids {got[:8]}... differ from the input ids {ids[:8]}...")
        elif set(got) != set(ids): bad.append(f"{name}: ids {sorted(set(got))[:8]} differ from the input ids")
    for name, rows in o.status.items():
        if name.startswith("keyphrases"):  # long form: several rows per id
            by_id = {}
            for i, s, _ in rows: by_id.setdefault(i, set()).add(s)
            for i, want, _ in expect:
                if not by_id.get(i, set()) & KP_STATUS[want]: bad.append(f"{name}: {i!r} has status {by_id.get(i)}, expected {want}")
            continue
        if len(rows) != len(expect): continue  # already reported
        for (i, s, r), (_, want, why) in zip(rows, expect):
            if name.startswith("articles"): allowed = {"skipped"} if want == "skipped" else {"ok"}
            elif name.startswith("keywords"): allowed = KP_STATUS[want]
            else: allowed = AT_STATUS[want]
            if s not in allowed: bad.append(f"{name}: {i!r} has status {s!r}, expected {want!r}")
            if why and name.startswith(("articles", "keywords")) and why not in (r or ""): bad.append(f"{name}: {i!r} reason {r!r} lacks {why!r}")
    return bad


# --- describing an outcome (the docs page) ------------------------------------------------------------------------

def _short(s: str, n: int = 110) -> str:
    s = s.replace("\n", "\\n").replace("\x00", "\\x00")
    return s if len(s) <= n else s[: n - 1] + "…"


def describe(case: Case, o: Outcome, cli: bool = False) -> str:
    "One line for the catalogue table."
    if o.error is not None:
        return _short((f"exit {o.code}: " if cli else "") + o.error, 160)
    expect = case.cli_expect if cli and case.cli_expect is not None else case.expect
    if len(expect) > 12:
        return f"{'exit 0: ' if cli else ''}{len(expect):,} articles, all `ok`, every id in every output"
    parts = []
    for i, want, why in expect:
        parts.append(f"{_short(repr(i), 30)} {want}" + (f" ({why})" if why else ""))
    recs = " and ".join(c for c in case.commands if c != "analyse")
    where = ("articles/keyphrases/article_topics files" + (f", {recs} records" if recs else "")) if cli else "every table"
    return ("exit 0: " if cli else "") + "; ".join(parts) + f" — in {where}"


# --- the tests -----------------------------------------------------------------------------------------------

def _params():
    return [pytest.param(c, id=re.sub(r"\W+", "-", c.name).strip("-"), marks=[pytest.mark.slow] if c.slow else [])
            for c in CASES]


def test_catalogue_is_complete():
    assert len(CASES) >= 25
    names = " ".join(c.name for c in CASES)
    for needed in ("empty file", "empty folder", "whitespace-only", "binary file", "Latin-1", "Windows-1252", "BOM", "CRLF",
                   "lone CR", "10 MB", "100k", "duplicate ids", "ids with / and ..", "NUL", "newline", "malformed JSON",
                   "CSV with a missing column", "NaN/None", "<script>", "right-to-left", "zero-width", "emoji", "mixed languages",
                   "one-word", "all-stop-words", "unknown language"):
        assert needed in names, needed


@pytest.mark.parametrize("case", _params())
def test_api(case, tmp_path):
    o = run_api(case, case.build(tmp_path))
    assert judge(case, o) == []
    if case.check and o.analysis is not None: case.check(o.analysis)


@pytest.mark.parametrize("case", _params())
def test_cli(case, tmp_path):
    o = run_cli(case, case.build(tmp_path))
    assert judge(case, o, cli=True) == []


def test_strict_stops_at_first_bad_record(tmp_path):
    case = Case("strict", {"in/a.jsonl": jl(GOOD, {"id": "blank", "text": " "})}, options={"errors": "raise"},
                error="in/a.jsonl, line 2 / article 'blank': empty or whitespace-only text")
    o = run_cli(case, case.build(tmp_path))
    assert judge(case, o, cli=True) == []


def test_keywords_csv_keeps_reasons(tmp_path):
    "A reason given only by a later record is not lost from CSV output."
    case = Case("csv", {"in/a.jsonl": jl(GOOD, {"id": "blank", "text": " "})}).build(tmp_path)
    r = subprocess.run([CLI, "keywords", "in", "--format", "csv", "-q"], cwd=case, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    assert df.columns.tolist() == ["id", "keyphrases", "scores", "status", "reason"]
    assert df.reason.tolist() == ["", "empty or whitespace-only text"]


def test_output_not_writable(tmp_path):
    "An --out that cannot be written gives one line, not a traceback."
    (tmp_path / "in").mkdir(); (tmp_path / "in" / "a.jsonl").write_text(jl(GOOD))
    (tmp_path / "file").write_text("x")
    r = subprocess.run([CLI, "keywords", "in", "-q", "--out", "file/sub/out.jsonl"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr


# --- fault tolerance ----------------------------------------------------------------------------------------------

def _listing(out: Path) -> list:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")) if out.exists() else []


@pytest.fixture(scope="module")
def large_input(tmp_path_factory):
    d = tmp_path_factory.mktemp("large")
    (d / "many.jsonl").write_bytes(_many_articles(40_000))
    return d / "many.jsonl"


def _start(large_input, out, *extra):
    # SIGINT back to its default: a shell starts background jobs (`make test &`) with SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler, so Ctrl-C could not be tested
    return subprocess.Popen([CLI, "analyse", str(large_input), "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(pred, p, timeout=300):
    t = time.time()
    while not pred():
        assert p.poll() is None, "the job ended before it could be interrupted"
        assert time.time() - t < timeout
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_while_saving_leaves_nothing_that_looks_complete(large_input, tmp_path, sig):
    out = tmp_path / "out"
    p = _start(large_input, out, "-q")
    _wait_for(lambda: out.exists() and any(q.name.startswith(".partial-") for q in out.iterdir()), p)
    time.sleep(0.3)
    p.send_signal(sig); p.wait(timeout=60)
    visible = [n for n in _listing(out) if not n.startswith(".partial-")]
    assert visible == [], visible  # only the hidden staging folder can be left
    assert "report.html" not in visible


def test_killed_while_computing_leaves_nothing(large_input, tmp_path):
    out = tmp_path / "out"
    p = _start(large_input, out, "-q")
    time.sleep(4)
    assert p.poll() is None
    p.kill(); p.wait(timeout=60)
    assert [n for n in _listing(out) if not n.startswith(".partial-")] == []


def test_interrupted_with_ctrl_c(large_input, tmp_path):
    out = tmp_path / "out"
    p = _start(large_input, out, "-q")
    _wait_for(lambda: out.exists() and any(q.name.startswith(".partial-") for q in out.iterdir()), p)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and err.strip() == "newsanalysis: interrupted", err
    assert _listing(out) == []  # the staging folder is removed too


def test_killed_keywords_leaves_only_a_hidden_partial_file(large_input, tmp_path):
    dest = tmp_path / "kw.jsonl"
    p = subprocess.Popen([CLI, "keywords", str(large_input), "--out", str(dest), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for(lambda: any(q.name.endswith(".partial") for q in tmp_path.iterdir()), p)
    p.kill(); p.wait(timeout=60)
    assert not dest.exists()
    assert all(q.name.startswith(".kw.jsonl.") for q in tmp_path.iterdir() if q.name != "kw.jsonl")


def test_rerun_interrupted_between_renames(tmp_path, monkeypatch):
    "A second run into the same folder that dies half-way through renaming leaves no report.html vouching for the mix."
    import newsanalysis.analysis as A
    recs = [GOOD, {"id": "other", "text": "Storm hits the coast of Brittany."}]
    out = tmp_path / "out"
    analyse(recs, quiet=True).save(out)
    assert (out / "report.html").exists()
    calls = {"n": 0}
    real = os.replace
    def flaky(a, b):
        calls["n"] += 1
        if calls["n"] == 3: raise OSError(28, "No space left on device")
        return real(a, b)
    monkeypatch.setattr(A.os, "replace", flaky)
    with pytest.raises(OSError): analyse(recs[:1], quiet=True).save(out)
    assert not (out / "report.html").exists()
    assert not any(p.name.startswith(".partial-") for p in out.iterdir())
