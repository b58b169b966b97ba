"""Build README.md and the documentation site (`_site/`) offline, from the notebooks' saved outputs.

Usage: python scripts/build_docs.py [--no-readme] [--no-site]

Quarto is not needed: nbdev's own `refresh_quarto_yml()` and `proc_nbs()` process `nbs/` into `_proc/` (front
matter, `show_doc` entries, hidden cells removed), then
- README.md is written from `_proc/index.ipynb` with nbconvert's Markdown exporter; images go to `README_files/`;
- the site is rendered by smalldocs (`smalldocs render _proc`) and moved to `_site/`.
Both outputs depend only on the notebooks, settings.ini and _quarto.yml, so rebuilding without changes gives the
same bytes. Where Quarto is installed, `nbdev_docs` remains the usual nbdev way to build the docs.
"""
import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README_FILES = "README_files"  # images of README.md, next to it


def process_notebooks(n_workers: int = 2) -> Path:
    "Run nbdev's notebook processing into `_proc/` and return that folder."
    from nbdev.quarto import refresh_quarto_yml
    from nbdev.serve import proc_nbs

    refresh_quarto_yml()  # writes nbs/nbdev.yml (site title, URL) from settings.ini
    # force: rebuild every page, so a deleted notebook leaves no stale page behind
    try:
        return Path(proc_nbs(n_workers=n_workers, force=True))
    except Exception as e:  # nbdev runs import cells and exported cells to render show_doc: report which failed
        sys.exit(f"build_docs: processing the notebooks failed: {e}\n"
                 "Processing runs each notebook's import cells (any cell that contains an import) and exported cells: "
                 "keep imports in cells of their own, and make those cells run without the rest of the notebook.")


# ---------------------------------------------------------------- README


def _cell_options(src: str) -> tuple[dict, str]:
    "Split the `#| key: value` Quarto options off the top of a processed code cell."
    opts, lines = {}, src.splitlines()
    while lines and lines[0].startswith("#|"):
        m = re.match(r"#\|\s*([\w-]+)\s*:\s*(.*)$", lines.pop(0))
        if m:
            opts[m.group(1)] = m.group(2).strip().strip("'\"").lower()
    return opts, "\n".join(lines)


def _front_matter(src: str) -> str:
    "Turn the YAML front matter that nbdev makes from the `# Title` and `> subtitle` back into Markdown."
    import yaml

    body = src.strip()
    if not body.startswith("---"):
        return src
    fm = yaml.safe_load(body.strip("-").strip()) or {}
    out = []
    if fm.get("title"):
        out.append(f"# {fm['title']}")
    if fm.get("description"):
        out.append(f"> {fm['description']}")
    return "\n\n".join(out)


def _readme_notebook(nb):
    "Prepare a processed index notebook for Markdown: front matter, cell options, noise in outputs."
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "raw":
            cell.cell_type, cell.source = "markdown", _front_matter(cell.source)
            cell.pop("outputs", None), cell.pop("execution_count", None)
            cell.metadata = {}
        elif cell.cell_type == "code":
            opts, cell.source = _cell_options(cell.source)
            if opts.get("include") == "false":
                continue
            if opts.get("echo") == "false":
                cell.metadata.setdefault("transient", {})["remove_source"] = True
            if opts.get("output") == "false":
                cell.outputs = []
            outs = []
            for o in cell.outputs:
                if o.output_type == "stream" and o.name == "stderr":
                    continue  # warnings, progress bars
                data = o.get("data", {})
                if "text/html" in data:  # pandas' <style scoped> shows as text on some renderers
                    html = data["text/html"]
                    html = "".join(html) if isinstance(html, list) else html
                    data["text/html"] = re.sub(r"<style[^>]*>.*?</style>\s*", "", html, flags=re.S)
                outs.append(o)
            cell.outputs = outs
            if not cell.outputs and (not cell.source.strip() or opts.get("echo") == "false"):
                continue
        cells.append(cell)
    nb.cells = cells
    nb.metadata.setdefault("language_info", {})["name"] = "python"  # fenced code blocks say ```python
    return nb


def _fix_links(md: str) -> str:
    "Point relative links to pages (`corpus.html`, `corpus.ipynb`) at their notebooks in `nbs/`, from the README's folder."
    def fix(m):
        stem, frag = m.group(1), m.group(3) or ""
        nb = ROOT / "nbs" / f"{stem}.ipynb"
        return f"](nbs/{stem}.ipynb{frag})" if nb.exists() else m.group(0)
    return re.sub(r"\]\((?![a-z]+:|/|#)([\w./-]+?)\.(ipynb|html)(#[^)\s]*)?\)", fix, md)


def build_readme(proc: Path) -> Path:
    "Write README.md (and its images in README_files/) from `_proc/index.ipynb`."
    import nbformat
    from nbconvert import MarkdownExporter
    from traitlets.config import Config

    nb = _readme_notebook(nbformat.read(proc / "index.ipynb", as_version=4))
    c = Config()
    c.ExtractOutputPreprocessor.output_filename_template = "cell-{cell_index}-output-{index}{extension}"
    exporter = MarkdownExporter(config=c)
    md, res = exporter.from_notebook_node(nb, resources={"output_files_dir": README_FILES})
    md = _fix_links(md)
    md = re.sub(r"[ \t]+\n", "\n", md)  # no trailing spaces
    md = re.sub(r"\n{3,}", "\n\n", md).strip() + "\n"
    img_dir = ROOT / README_FILES
    if img_dir.exists():
        shutil.rmtree(img_dir)  # no stale images
    for name, data in sorted(res.get("outputs", {}).items()):
        p = ROOT / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    readme = ROOT / "README.md"
    readme.write_text(md, encoding="utf-8")
    return readme


# ---------------------------------------------------------------- site


def build_site(proc: Path) -> Path:
    "Render `_proc/` with smalldocs and move the result to `_site/`."
    from smalldocs.config import load

    out = load(proc).output  # smalldocs writes to project.output-dir (nbdev.yml sets `_docs`), inside _proc
    r = subprocess.run([sys.executable, "-m", "smalldocs.cli", "render", "--quiet", str(proc)],
                       capture_output=True, text=True)
    # smalldocs warns about Quarto options it does not use (commonmark, keep-md, output-file): keep only the rest
    noise = ("is not built", "is ignored", "output-file is not read")
    for line in (r.stdout + r.stderr).splitlines():
        if line.strip() and not any(n in line for n in noise):
            print(f"  smalldocs: {line}")
    if r.returncode != 0:
        sys.exit(f"build_docs: smalldocs render failed (exit {r.returncode})")
    site = ROOT / "_site"
    if site.exists():
        shutil.rmtree(site)
    shutil.move(str(out), str(site))
    _relative_doc_links(site)
    _local_katex(site)
    return site


KATEX_DIRS = [Path("/usr/share/javascript/katex")]  # Debian's libjs-katex (+ fonts-katex)


def _local_katex(site: Path):
    "Serve KaTeX (maths on pages with TeX) from the site itself instead of a CDN, when a local copy exists."
    from smalldocs.layout import KATEX

    pages = [p for p in sorted(site.rglob("*.html")) if KATEX in p.read_text(encoding="utf-8")]
    if not pages:
        return
    src = next((d for d in KATEX_DIRS if (d / "katex.min.js").exists() and (d / "contrib" / "auto-render.js").exists()), None)
    if src is None:
        print(f"build_docs: NOTE: {len(pages)} pages have maths, rendered by KaTeX from a CDN (for a site that works "
              "offline, install libjs-katex: apt-get install -y libjs-katex)")
        return
    dst = site / "site_libs" / "katex"
    (dst / "contrib").mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "katex.min.js", dst / "katex.min.js")
    shutil.copy(src / "katex.min.css", dst / "katex.min.css")
    shutil.copy(src / "contrib" / "auto-render.js", dst / "contrib" / "auto-render.min.js")
    shutil.copytree((src / "fonts").resolve(), dst / "fonts", dirs_exist_ok=True)
    for page in pages:
        up = "../" * (len(page.relative_to(site).parts) - 1)
        page.write_text(page.read_text(encoding="utf-8").replace(KATEX, f"{up}site_libs/katex"), encoding="utf-8")
    print(f"build_docs: maths on {len(pages)} pages rendered with the local KaTeX of {src}")


def _relative_doc_links(site: Path):
    "Make nbdev's links to symbols (absolute, on doc_host) relative, so the site works offline and wherever it is served."
    from nbdev.config import get_config

    cfg = get_config()
    base = f"{cfg.doc_host.rstrip('/')}/{cfg.doc_baseurl.strip('/')}/".replace("//", "/").replace(":/", "://")
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        up = "../" * (len(page.relative_to(site).parts) - 1)
        new = html.replace(f'href="{base}', f'href="{up}')
        if new != html:
            page.write_text(new, encoding="utf-8")


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()[:12]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-readme", action="store_true", help="do not write README.md")
    ap.add_argument("--no-site", action="store_true", help="do not build _site/")
    args = ap.parse_args()
    import os

    os.chdir(ROOT)
    if not (ROOT / "nbs" / "index.ipynb").exists():
        sys.exit("build_docs: nbs/index.ipynb not found (it is the home page and the README)")
    t0 = time.time()
    proc = process_notebooks()
    print(f"build_docs: processed notebooks into {proc.relative_to(ROOT)}/ ({time.time() - t0:.1f}s)")
    if not args.no_readme:
        readme = build_readme(proc)
        print(f"build_docs: wrote {readme.name} (sha256 {_digest(readme)})")
    if not args.no_site:
        site = build_site(proc)
        pages = sorted(p.name for p in site.glob("*.html"))
        print(f"build_docs: wrote {site.relative_to(ROOT)}/ with {len(pages)} pages: {', '.join(pages)}")
    print(f"build_docs: done in {time.time() - t0:.1f}s")


if __name__ == "__main__":  # proc_nbs uses multiprocessing "spawn": it must be run as a script
    main()
