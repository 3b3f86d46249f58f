"""Python regular expressions for RE2 (Arrow's and DuckDB's engine), where the two read a pattern apart.

RE2's `\\s` is `[\\t\\n\\f\\r ]`; Python's (for text) is every character `str.isspace` takes, the
vertical tab, the information separators, NEL and the Unicode spaces too. `SPACES` is that set,
written for a RE2 character class. Only `\\s` is widened: RE2's `\\S`, `\\d` and `\\w` stay ASCII (Python's
`\\d` and `\\w` take other scripts' digits and letters too), and a pattern RE2 cannot read is the caller's
to match with Python's `re`.
"""

from __future__ import annotations

SPACES = ("\\x{9}\\x{a}\\x{b}\\x{c}\\x{d}\\x{1c}\\x{1d}\\x{1e}\\x{1f}\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}\\x{2001}"
          "\\x{2002}\\x{2003}\\x{2004}\\x{2005}\\x{2006}\\x{2007}\\x{2008}\\x{2009}\\x{200a}\\x{2028}\\x{2029}"
          "\\x{202f}\\x{205f}\\x{3000}")


def re2_pattern(pattern: str) -> str:
    """`pattern` (Python syntax) for RE2, its `\\s` matching every character Python's `\\s` matches."""
    out, inside, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            out.append(SPACES if escaped == "s" and inside else f"[{SPACES}]" if escaped == "s" else char + escaped)
            i += 2
            continue
        if char == "[" and not inside:
            inside = True
            out.append(char)
            i += 1
            if pattern[i:i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i:i + 1] == "]":  # a leading ']' is a member, not the end
                out.append("\\]")
                i += 1
            continue
        inside = inside and char != "]"
        out.append(char)
        i += 1
    return "".join(out)
