"""The main job end to end: `newsanalysis analyse data --out DIR`, as a user runs it, and its report in Chromium."""
import json, os, re, subprocess, sys, tempfile
from pathlib import Path
import pandas as pd
import pytest
from newsanalysis.corpus import read_corpus

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CLI = str(Path(sys.executable).parent / "newsanalysis")
SHOTS = ROOT / "_site_shots"

def run_analyse(out, *extra, env=None):
    r = subprocess.run([CLI, "analyse", str(DATA), "--out", str(out), "--quiet", *extra], capture_output=True, text=True,
                       env={**os.environ, **(env or {})}, timeout=600)
    assert r.returncode == 0, r.stderr
    return r

@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("job")
    r = run_analyse(out, env={"PYTHONHASHSEED": "1"})
    return out, r

def test_files_and_summary(job):
    out, r = job
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{t}.{e}" for t in ("articles", "keyphrases", "topics", "article_topics") for e in ("csv", "parquet")) + ["report.html"] or \
        set(names) >= {"articles.csv", "articles.parquet", "keyphrases.csv", "keyphrases.parquet", "topics.csv", "topics.parquet", "report.html"}
    assert re.match(r"newsanalysis: 294 articles analysed, 0 skipped, \d+ topics; wrote \d+ files", r.stdout)

def test_every_article_accounted_for(job):
    out, _ = job
    ids = read_corpus(DATA).ids
    arts = pd.read_csv(out / "articles.csv")
    assert arts.id.tolist() == ids
    assert (arts.status == "ok").all()
    assert set(pd.read_csv(out / "keyphrases.csv").id) == set(ids)
    assert pd.read_parquet(out / "article_topics.parquet").id.tolist() == ids
    topics = pd.read_parquet(out / "topics.parquet")
    assert topics["size"].sum() == len(ids)
    assert arts.topic.notna().all() and arts.topic_label.notna().all()

def test_seed_keyphrases_sensible(job):
    out, _ = job
    kp = pd.read_csv(out / "keyphrases.csv")
    seed = kp[kp.id == "putin-troops-legitimate-target"].phrase.str.lower().tolist()
    assert len(seed) == 10
    assert "legitimate target" in seed and any("putin" in p for p in seed) and any("troops" in p for p in seed)

def test_same_output_twice_and_under_another_hash_seed(job, tmp_path):
    out, _ = job
    run_analyse(tmp_path, env={"PYTHONHASHSEED": "12345"})
    for name in ("articles.csv", "keyphrases.csv", "topics.csv", "article_topics.csv", "report.html"):
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), f"{name} differs between runs"

def test_verbose_timings_and_errors(tmp_path):
    r = subprocess.run([CLI, "analyse", str(DATA / "putin-troops-legitimate-target.txt"), "--out", str(tmp_path), "--verbose", "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for stage in ("read and count", "topics: fit", "keyphrases", "total"): assert stage in r.stderr
    r = subprocess.run([CLI, "analyse", str(tmp_path / "missing"), "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "no such file or folder" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([CLI, "analyse", str(DATA)], capture_output=True, text=True)
    assert r.returncode == 2 and "--out" in r.stderr

def _chromium(chromium, tmp_path, *args):
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
            f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000"]
    r = subprocess.run(base + list(args), capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout

def page_requests(chromium, tmp_path, page:Path)->list:
    "URLs the page itself asked for (Chromium's own background requests, initiated by no origin, are left out)."
    netlog = tmp_path / f"netlog-{page.stem}.json"
    _chromium(chromium, tmp_path, f"--log-net-log={netlog}", "--dump-dom", page.as_uri())
    log = json.loads(netlog.read_text(encoding="utf-8", errors="replace"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [e["params"]["url"] for e in log["events"] if e["type"] == start and "url" in e.get("params", {}) and e["params"].get("initiator") != "not an origin"]

@pytest.mark.browser
def test_network_probe_sees_page_requests(chromium, tmp_path):
    "The probe used below does see a request made by a page (so its silence on the report means something)."
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><img src="http://127.0.0.1:9/pixel.png"></body></html>', encoding="utf-8")
    assert any(u.startswith("http://127.0.0.1:9/") for u in page_requests(chromium, tmp_path, page))

@pytest.mark.browser
def test_report_as_a_reader_sees_it(job, chromium, tmp_path):
    out, _ = job
    report = out / "report.html"
    dom = _chromium(chromium, tmp_path, "--dump-dom", report.as_uri())
    # the article table has one row per input article
    table = re.search(r'<table id="articles".*?<tbody>(.*?)</tbody>', dom, re.S)
    assert table is not None, "no article table in the rendered page"
    assert table.group(1).count("<tr>") == len(read_corpus(DATA))
    # topic labels and plots are visible
    topics = pd.read_csv(out / "topics.csv")
    for label in topics.label: assert label.split(",")[0] in dom
    assert len(re.findall(r'<img class="plot" alt="[^"]+" src="data:image/png;base64,', dom)) >= 3
    # nothing fetched from the network
    assert page_requests(chromium, tmp_path, report) == []
    # a screenshot for people to look at
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / "report.png"
    shot.unlink(missing_ok=True)
    _chromium(chromium, tmp_path, "--window-size=1280,2000", f"--screenshot={shot}", report.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000
