"""Shop descriptions (HTML) as the plain text an ERP field holds."""

from __future__ import annotations

from html.parser import HTMLParser


def html_to_text(html: str) -> str | None:
    """The text a browser would show of `html`, with line breaks where blocks end; None when empty."""
    if "<" in html or "&" in html:
        parser = _TextParser()
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    else:  # no tag, no entity: the parser would hand the text on as it is
        text = html.replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    return text or None


class _TextParser(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data.replace("\xa0", " "))
