"""The documentation site as a reader sees it: every notebook's page opened in headless Chromium.

The site (`_site/`) is built by `scripts/build_docs.py` (`make docs`); the `site` fixture rebuilds it when it is
missing or older than the notebooks. Pages are found from `nbs/`, so a new notebook is checked without editing
this file. Screenshots of every page go to `_site_shots/` (git-ignored) for a look by eye.
"""
import ast
import base64
import json
import posixpath
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS, SITE, PROC, SHOTS = ROOT / "nbs", ROOT / "_site", ROOT / "_proc", ROOT / "_site_shots"


def _notebooks() -> list[Path]:
    "The notebooks nbdev processes: under nbs/, skipping names that start with `_` or `.`."
    return sorted(p for p in NBS.rglob("*.ipynb")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(NBS).parts))


def _page(nb: Path) -> str:
    "The site page of a notebook, relative to `_site/`: `core.ipynb` -> `core.html`."
    return nb.relative_to(NBS).with_suffix(".html").as_posix()


def _read_nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _src(cell) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _outputs_with(nb: dict, pred) -> int:
    "How many outputs of the notebook's code cells satisfy `pred(output)`."
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []) if pred(o))


def _is_png(o) -> bool:
    return "image/png" in o.get("data", {})


def _is_table(o) -> bool:
    html = o.get("data", {}).get("text/html", "")
    return "<table" in ("".join(html) if isinstance(html, list) else html)


def _default_exp(nb: dict) -> str | None:
    for c in nb["cells"]:
        m = re.search(r"^#\|\s*default_exp\s+(\S+)", _src(c), re.M) if c["cell_type"] == "code" else None
        if m:
            return m.group(1)
    return None


def _title(nb: dict) -> str | None:
    "The notebook's `# Title`, which nbdev turns into the page title."
    for c in nb["cells"]:
        if c["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+?)\s*$", _src(c), re.M)
            if m:
                return m.group(1)
    return None


NOTEBOOKS = _notebooks()
PAGES = [pytest.param(nb, id=_page(nb)) for nb in NOTEBOOKS]
MODULE_PAGES = [p for p in PAGES if _default_exp(_read_nb(p.values[0]))]
PLOT_PAGES = [p for p in PAGES if _outputs_with(_read_nb(p.values[0]), _is_png)]
TABLE_PAGES = [p for p in PAGES if _outputs_with(_read_nb(p.values[0]), _is_table)]
_MATH = re.compile(r"\$\$|\$[^\s$][^$\n]*[^\s$\\]\$|\\\(")
MATH_PAGES = [p for p in PAGES if any(c["cell_type"] == "markdown" and _MATH.search(_src(c))
                                     for c in _read_nb(p.values[0])["cells"])]


# ---------------------------------------------------------------- a small DOM, from Chromium's --dump-dom


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag=None, cls=None, **attrs):
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and cls not in (n.attrs.get("class") or "").split():
                continue
            if any(n.attrs.get(k) != v for k, v in attrs.items()):
                continue
            yield n

    def find(self, *args, **kw):
        return next(self.find_all(*args, **kw), None)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)


class _Builder(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_html(html: str) -> Node:
    b = _Builder()
    b.feed(html)
    b.close()
    return b.root


# ---------------------------------------------------------------- fixtures


def _site_stale() -> bool:
    index = SITE / "index.html"
    if not index.exists():
        return True
    inputs = [*NOTEBOOKS, ROOT / "_quarto.yml", ROOT / "settings.ini", ROOT / "scripts" / "build_docs.py"]
    return max(p.stat().st_mtime for p in inputs if p.exists()) > index.stat().st_mtime


@pytest.fixture(scope="session")
def site() -> Path:
    "The built site; built here (without touching README.md) when missing or older than its sources."
    if _site_stale():
        r = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--no-readme"],
                           cwd=ROOT, capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, f"building the site failed:\n{r.stdout}\n{r.stderr}"
    assert (SITE / "index.html").exists(), "scripts/build_docs.py did not write _site/index.html"
    return SITE


class Browser:
    "Headless Chromium, one fresh process per call; DOMs are cached for the session."

    def __init__(self, binary: str, profile: str):
        self.cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}",
                    "--virtual-time-budget=5000"]
        self.doms = {}

    def _run(self, *args) -> subprocess.CompletedProcess:
        r = subprocess.run([*self.cmd, *args], capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, f"chromium exited {r.returncode}: {r.stderr[-2000:]}"
        return r

    def dom(self, path: Path) -> Node:
        if path not in self.doms:
            html = self._run("--dump-dom", path.as_uri()).stdout
            assert "<html" in html.lower(), f"chromium returned no page for {path}"
            self.doms[path] = parse_html(html)
        return self.doms[path]

    def screenshot(self, path: Path, out: Path, size=(1280, 1600)) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        self._run(f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", path.as_uri())
        assert out.exists(), f"chromium wrote no screenshot of {path}"
        return out


@pytest.fixture(scope="session")
def browser(chromium, site) -> Browser:
    with tempfile.TemporaryDirectory(prefix="newsanalysis-chromium-") as profile:
        yield Browser(chromium, profile)


def _sidebar_links(dom: Node) -> list[tuple[str, str]]:
    bar = dom.find(id="quarto-sidebar")
    assert bar is not None, "the page has no sidebar (nav#quarto-sidebar)"
    return [(a.attrs.get("href", ""), a.text.strip()) for a in bar.find_all("a") if a.attrs.get("href")]


def _main(dom: Node, page: str) -> Node:
    main = dom.find("main", id="quarto-document-content") or dom.find("main")
    assert main is not None, f"{page}: no <main> content"
    return main


# ---------------------------------------------------------------- tests


def test_every_notebook_has_a_page(site):
    missing = [_page(nb) for nb in NOTEBOOKS if not (site / _page(nb)).exists()]
    assert not missing, f"notebooks without a page in _site/: {missing}"


@pytest.mark.browser
def test_sidebar_links_resolve(browser, site):
    links = _sidebar_links(browser.dom(site / "index.html"))
    assert links, "the sidebar of index.html is empty"
    for href, text in links:
        target = unquote(urlsplit(href).path)
        assert not text.endswith(".ipynb"), (
            f"sidebar entry {text!r} has no page (the notebook is missing, or _quarto.yml names the wrong file)")
        assert (site / target).exists(), f"sidebar entry {text!r} links to {href}, which is not in _site/"


@pytest.mark.browser
@pytest.mark.parametrize("nb", PAGES)
def test_page_renders(browser, site, nb):
    page = _page(nb)
    dom = browser.dom(site / page)
    main = _main(dom, page)
    h1 = main.find("h1")
    assert h1 is not None and h1.text.strip(), f"{page}: no title (the notebook needs a `# Title` markdown cell)"
    want = _title(_read_nb(nb))
    if want:
        plain = lambda t: re.sub(r"[`*_\s]+", " ", t).strip()  # markup aside
        assert plain(h1.text) == plain(want), f"{page}: title {h1.text!r}, notebook says {want!r}"
    text = main.text
    assert "Traceback (most recent call last)" not in text, f"{page}: a saved output shows a Python traceback"
    assert len(text.strip()) > 200, f"{page}: almost no content ({len(text.strip())} characters)"
    here = posixpath.dirname(page)
    hrefs = [posixpath.normpath(posixpath.join(here, unquote(urlsplit(h).path))) for h, _ in _sidebar_links(dom)]
    assert page in hrefs, f"{page} is not in the sidebar: add {nb.relative_to(NBS).as_posix()} to _quarto.yml (website.sidebar.contents)"


@pytest.mark.browser
@pytest.mark.parametrize("nb", PAGES)
def test_internal_links_resolve(browser, site, nb):
    "Links between pages and to symbols (`show_doc` anchors) point at pages and ids that exist."
    page = _page(nb)
    main = _main(browser.dom(site / page), page)
    ids_cache = {}

    def ids(p: Path) -> set:
        if p not in ids_cache:
            ids_cache[p] = {n.attrs["id"] for n in parse_html(p.read_text(encoding="utf-8")).iter() if n.attrs.get("id")}
        return ids_cache[p]

    broken = []
    for a in main.find_all("a"):
        href = a.attrs.get("href") or ""
        u = urlsplit(href)
        if u.scheme or href.startswith(("//", "mailto:")) or not href:
            continue
        target = (site / page).parent / unquote(u.path) if u.path else site / page
        if not target.exists():
            broken.append(f"{href} (no such file)")
        elif u.fragment and target.suffix == ".html" and unquote(u.fragment) not in ids(target):
            broken.append(f"{href} (no id {u.fragment!r} on {target.relative_to(site).as_posix()})")
    assert not broken, f"{page}: broken links: {broken}"


def _api_names(module: str) -> list[str]:
    "The functions and classes a module exports (`__all__`), which nbdev documents with `show_doc`."
    path = ROOT / "newsanalysis" / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            exported = set(ast.literal_eval(node.value))
    defs = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in exported:
            decorators = {getattr(d, "id", getattr(getattr(d, "func", None), "id", "")) for d in node.decorator_list}
            if not decorators & {"patch", "patch_to"}:
                defs.append(node.name)
    return defs


@pytest.mark.browser
@pytest.mark.parametrize("nb", MODULE_PAGES)
def test_api_entries(browser, site, nb):
    "Module pages show a `show_doc` entry (heading, signature, docstring) for each exported function and class."
    page = _page(nb)
    main = _main(browser.dom(site / page), page)
    names = _api_names(_default_exp(_read_nb(nb)))
    # a show_doc entry is a heading (the symbol's name) inside a cell's Markdown output, followed by the signature
    entries = {h.text.strip() for out in main.find_all("div", cls="cell-output-markdown")
               for h in out.iter() if h.tag in ("h2", "h3", "h4")}
    missing = [n for n in names if n not in entries]
    assert not missing, f"{page}: no show_doc entry for {missing} (an exported cell is hidden, or docs failed)"
    sigs = [n for n in main.find_all("pre") if "sourceCode" in (n.attrs.get("class") or "")]
    assert not names or sigs, f"{page}: show_doc entries have no signature block"


def _img_ok(img: Node, page_path: Path) -> str | None:
    "None when the image can be shown, else why not."
    src = img.attrs.get("src") or ""
    if src.startswith("data:"):
        head, _, data = src.partition(",")
        raw = base64.b64decode(data) if ";base64" in head else data.encode()
        if len(raw) < 100:
            return f"data image of {len(raw)} bytes"
        if "image/png" in head and not raw.startswith(b"\x89PNG\r\n\x1a\n"):
            return "data image that is not a PNG"
        return None
    u = urlsplit(src)
    if u.scheme:
        return f"remote image {src} (the site must work offline)"
    f = page_path.parent / unquote(u.path)
    return None if f.is_file() and f.stat().st_size > 100 else f"missing image file {src}"


@pytest.mark.browser
@pytest.mark.parametrize("nb", PLOT_PAGES)
def test_plots_shown(browser, site, nb):
    "Pages of notebooks with plots show them, as images the browser can load."
    page = _page(nb)
    main = _main(browser.dom(site / page), page)
    imgs = list(main.find_all("img"))
    proc = PROC / nb.relative_to(NBS)
    # images in hidden cells are not on the page: count them in the processed notebook when there is one
    expected = _outputs_with(_read_nb(proc), _is_png) if proc.exists() else 1
    assert len(imgs) >= expected, f"{page}: {len(imgs)} images, the notebook has {expected} plot outputs"
    bad = [why for img in imgs if (why := _img_ok(img, site / page))]
    assert not bad, f"{page}: images that cannot show: {bad}"


@pytest.mark.browser
@pytest.mark.parametrize("nb", TABLE_PAGES)
def test_tables_shown(browser, site, nb):
    "Pages of notebooks that show DataFrames have them as HTML tables."
    page = _page(nb)
    tables = list(_main(browser.dom(site / page), page).find_all("table"))
    assert tables, f"{page}: the notebook shows tables, the page has none"
    assert all(t.find("td") is not None for t in tables), f"{page}: an empty table"


@pytest.mark.browser
@pytest.mark.parametrize("nb", MATH_PAGES)
def test_maths_rendered(browser, site, nb):
    "TeX in the notebooks' Markdown is typeset by KaTeX, served from the site itself."
    page = _page(nb)
    html = (site / page).read_text(encoding="utf-8")
    if "katex" not in html:
        pytest.skip(f"{page}: smalldocs found no maths on the page")
    if "site_libs/katex/" not in html:
        pytest.skip(f"{page}: KaTeX comes from a CDN, which this check does not load "
                    "(install libjs-katex and rebuild: apt-get install -y libjs-katex)")
    main = _main(browser.dom(site / page), page)
    typeset = list(main.find_all("span", cls="katex"))
    assert typeset, f"{page}: KaTeX did not typeset the maths"
    raw = [t for t in re.findall(r"\\\(.{0,40}", main.text)]
    assert not raw, f"{page}: maths left as raw TeX: {raw[:3]}"


@pytest.mark.browser
@pytest.mark.parametrize("nb", PAGES)
def test_screenshot(browser, site, nb):
    "A screenshot of each page (saved to _site_shots/) is a page, not a blank or an error screen."
    import matplotlib.image

    page = _page(nb)
    shot = browser.screenshot(site / page, SHOTS / page.replace("/", "__").replace(".html", ".png"))
    px = matplotlib.image.imread(shot)
    assert px.shape[0] >= 800 and px.shape[1] >= 1000, f"{shot}: unexpected size {px.shape}"
    rgb = px[..., :3]
    inked = (rgb.min(axis=-1) < 0.8).mean()  # share of pixels that are not (near) white
    assert inked > 0.01, f"{shot}: the page looks blank ({inked:.2%} of pixels drawn)"


def test_readme():
    "README.md, built from nbs/index.ipynb, reads as Markdown: a title, no front matter, images that exist."
    readme = ROOT / "README.md"
    assert readme.exists(), "README.md is missing: run `make docs`"
    md = readme.read_text(encoding="utf-8")
    assert md.startswith("# "), "README.md does not start with the `# Title` of nbs/index.ipynb"
    assert "\n---\n" not in md.split("\n\n", 3)[0], "README.md starts with front matter"
    blocks, cur = [], None
    for line in md.splitlines():
        if line.startswith("```"):
            if cur is None:
                cur = []
            else:
                blocks.append("\n".join(cur))
                cur = None
        elif cur is not None:
            cur.append(line)
    assert cur is None, "README.md has an unclosed code block"
    assert all(b.strip() for b in blocks), "README.md has an empty code block"
    for src in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", md):
        if not urlsplit(src).scheme and not src.startswith("data:"):
            assert (ROOT / unquote(src)).is_file(), f"README.md shows {src}, which does not exist"
    for href in re.findall(r"(?<!!)\[[^\]]*\]\(([^)\s]+)", md):
        u = urlsplit(href)
        if not u.scheme and u.path:
            assert (ROOT / unquote(u.path)).exists(), f"README.md links to {href}, which is not in the repository"
