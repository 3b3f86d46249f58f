"""First and last name from one name column, for exports that carry `billing_name` but not the split columns.

The rule: the last word is the last name, together with the lowercase name particles just before it
(von, van, de, zu, …: "Hans von Müller" -> "Hans" / "von Müller"); the words before are the first name.
A single word is the last name. A record whose first or last name is given keeps both as they are.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

PARTICLES = frozenset({"von", "vom", "zu", "zum", "zur", "van", "der", "den", "de", "del", "della", "di", "da",
                       "dos", "du", "la", "le", "ten", "ter", "af", "al", "el", "bin", "ibn", "y"})


def split_name(name: str) -> tuple[str | None, str]:
    """(first name, last name) of one full name, by the rule above."""
    words = name.split()
    cut = len(words) - 1
    while cut > 0 and words[cut - 1] in PARTICLES:
        cut -= 1
    if cut == 0 and len(words) > 1:  # only particles before the last word ("de la Cruz"): all of it is the name
        return None, " ".join(words)
    return " ".join(words[:cut]) or None, " ".join(words[cut:])


def fill_names(table: pa.Table, prefix: str) -> pa.Table:
    """`table` with `<prefix>_firstname`/`_lastname` split from `<prefix>_name` where both are empty."""
    full = f"{prefix}_name"
    first, last = f"{prefix}_firstname", f"{prefix}_lastname"
    if full not in table.column_names or first not in table.column_names or last not in table.column_names:
        return table
    nameless = pc.and_(pc.is_null(table.column(first)), pc.is_null(table.column(last)))
    missing = pc.and_(nameless, pc.is_valid(table.column(full)))
    if not pc.any(missing).as_py():
        return table
    names = table.column(full).to_pylist()
    split = [split_name(n) if m and n.strip() else (None, None)
             for n, m in zip(names, missing.to_pylist(), strict=True)]
    firsts = pc.if_else(missing, pa.array([s[0] for s in split], pa.string()), table.column(first))
    lasts = pc.if_else(missing, pa.array([s[1] for s in split], pa.string()), table.column(last))
    table = table.set_column(table.column_names.index(first), first, firsts)
    return table.set_column(table.column_names.index(last), last, lasts)
