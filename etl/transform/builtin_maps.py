"""Value maps a layout can include by name (`_builtin: countries`) instead of listing them."""

from __future__ import annotations

import gettext
from functools import cache
from typing import Any


@cache
def countries() -> dict[str, str]:
    """ISO 3166 alpha-2 by alpha-2, alpha-3, English and German country name."""
    import pycountry

    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    table: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (code, country.alpha_3, country.name, getattr(country, "common_name", None),
                     german.gettext(country.name)):
            if name:
                table.setdefault(name, code)
    return table


@cache
def countries_iso3() -> dict[str, str]:
    """ISO 3166 alpha-3 by alpha-2 (and by alpha-3): the DHL portal's country form (DEU, CHE)."""
    import pycountry

    return {code: c.alpha_3 for c in pycountry.countries for code in (c.alpha_2, c.alpha_3)}


BUILTIN = {"countries": countries, "countries_iso3": countries_iso3}


def expand(value_maps: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Value maps with their `_builtin` tables merged under the entries the layout lists itself."""
    result = {}
    for name, table in value_maps.items():
        table = dict(table)
        builtin = table.pop("_builtin", None)
        result[name] = {**BUILTIN[builtin](), **table} if builtin else table
    return result
