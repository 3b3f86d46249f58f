"""Files the page opens: the working folder's reject files, reports and reason files, and the bundled guides.

Only a file inside one of the named folders is served, by its path relative to that folder: `..`, absolute
paths, links that lead out and anything that is not a plain file are refused (404, nothing said about why).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from etl.bundled import bundled
from etl.config import Config
from etl.serve.view import LINKED
from etl.state.lifecycle import is_candidate_name

DOC_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.(md|png)")  # docs/<name>.md and its screenshots
_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json; charset=utf-8",
          ".txt": "text/plain; charset=utf-8", ".png": "image/png"}


def working_file(config: Config, folder: str, where: str) -> tuple[bytes, dict[str, str]] | None:
    """The content and headers of `folder/where` (`folder` one of LINKED), or None when it may not be served."""
    if folder not in LINKED or not where:
        return None
    root = config.folder(folder)
    parts = Path(where).parts
    if Path(where).is_absolute() or ".." in parts or any(not is_candidate_name(p) for p in parts[:-1]):
        return None
    path = root / where
    if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
        return None
    kind = _TYPES.get(path.suffix.lower(), "application/octet-stream")
    # A reject file opens in Excel: downloaded, never shown as a page; a report or reason is read as text.
    inline = path.suffix.lower() in (".json", ".txt")
    disposition = "inline" if inline else "attachment"
    name = quote(path.name)
    return path.read_bytes(), {"Content-Type": kind, "Content-Disposition": f"{disposition}; filename*=UTF-8''{name}"}


def doc_path(name: str) -> Path | None:
    """The bundled docs/`name` (a guide or a screenshot of one), or None."""
    if not DOC_NAME.fullmatch(name):
        return None
    path = bundled("docs") / name
    return path if path.is_file() else None


def render_doc(text: str, token: str) -> str:
    """A guide's Markdown as HTML; its links to other guides stay on the page (with the token), raw HTML stays text."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = markdown.parse(text)
    for block in tokens:
        for inline in block.children or []:
            attribute = {"link_open": "href", "image": "src"}.get(inline.type)
            if attribute:
                inline.attrSet(attribute, _on_page(str(inline.attrGet(attribute) or ""), token))
    return str(markdown.renderer.render(tokens, markdown.options, {}))


def _on_page(target: str, token: str) -> str:
    """A guide's link: another guide of docs/ is opened by the page, an outside address stays as it is."""
    url = urlsplit(target)
    if url.scheme or url.netloc or not url.path:
        return target
    name = url.path.removeprefix("./").removeprefix("docs/")
    if not DOC_NAME.fullmatch(name):
        return target
    return f"/guide/{name}?{urlencode({'token': token})}" + (f"#{url.fragment}" if url.fragment else "")
