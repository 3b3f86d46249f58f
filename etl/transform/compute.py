"""Computed fields a target layout can name with `compute:`; each works on whole Arrow columns."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import PYTHON_SPACES, constant, fill_template, positions, template_rows
from etl.shared.model import DECIMAL, ROUND_MODE, schema
from etl.shared.records import Neutral

# "Königstraße 12a", "Str. des 17. Juni 5-7", "Am Markt 3 / 2": the number is the last token group.
STREET_PATTERN = (
    r"^(?P<street>.*?[^\d\s].*?)[\s,]*(?P<number>\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d*\s*[a-zA-Z]?)?)\s*$"
)

Computed = Callable[[pa.Table, dict[str, Any], Neutral], pa.Array]
COMPUTED: dict[str, Computed] = {}


def computed(name: str) -> Callable[[Computed], Computed]:
    """Register a computed field function under `name`."""

    def register(fn: Computed) -> Computed:
        COMPUTED[name] = fn
        return fn

    return register


def split_street(street: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Split one street line into street name and house number (null when there is none)."""
    parts = pc.extract_regex(street, STREET_PATTERN)
    name = pc.struct_field(parts, "street")
    number = pc.struct_field(parts, "number")
    matched = pc.is_valid(parts)
    return pc.if_else(matched, pc.utf8_trim_whitespace(name), street), pc.if_else(matched, number, None)


# The street and house number fields of one address split the same column: the regex runs once.
_last_split: list[tuple[pa.Table, str, tuple[pa.Array, pa.Array]]] = []


def _split_column(table: pa.Table, column: str) -> tuple[pa.Array, pa.Array]:
    last = _last_split[0] if _last_split else None  # one read: another thread may replace it
    if last is not None and last[0] is table and last[1] == column:
        return last[2]
    parts = split_street(table.column(column).combine_chunks())
    _last_split[:] = [(table, column, parts)]  # holds the table, so `is` cannot match another one
    return parts


@computed("street_name")
def _street_name(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    return _split_column(table, args["from"])[0]


@computed("house_number")
def _house_number(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    return _split_column(table, args["from"])[1]


@computed("concat")
def _concat(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    parts = [table.column(name) for name in args["fields"]]
    joined = pc.binary_join_element_wise(*parts, args.get("sep", " "), null_handling="skip")
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)


@computed("first_of")
def _first_of(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """The first non-empty of `fields`; then, optionally, `map_from` looked up in value map `map`."""
    columns = [table.column(name) for name in args["fields"]]
    if "map_from" in args:
        lookup: dict[str, Any] = args["_maps"][args["map"]]
        keys = pa.array([str(k) for k in lookup], pa.string())
        index = pc.index_in(pc.cast(table.column(args["map_from"]), pa.string()), value_set=keys)
        columns.append(pc.take(pa.array([str(v) for v in lookup.values()], pa.string()), index))
    return pc.coalesce(*columns)


def _rate_factor(table: pa.Table, args: dict[str, Any]) -> tuple[pa.Array, pa.Array, pa.Array]:
    # Narrow types keep Arrow's decimal arithmetic within 38 digits; 10^11 covers any amount.
    value = pc.cast(table.column(args["from"]), pa.decimal128(15, 4))
    rate = pc.cast(pc.fill_null(table.column(args.get("rate", "tax_rate")), pa.scalar(0, DECIMAL)),
                   pa.decimal128(7, 4))
    gross = pc.fill_null(table.column(args.get("gross_flag", "prices_gross")), True)
    return value, pc.add(rate, pa.scalar(100, pa.decimal128(3, 0))), gross


def _exact(value: pa.Array) -> pa.Array:
    return pc.cast(pc.round(value, 4, round_mode=ROUND_MODE), DECIMAL)


_HUNDRED = pa.scalar(100, pa.decimal128(3, 0))


def _converted(value: pa.Array, factor: pa.Array, where: pa.Array,
               convert: Callable[[pa.Array, pa.Array], pa.Array]) -> pa.Array:
    """`value`, converted (and rounded to four places) only in the rows `where` says: most rows of a shop
    are of one kind (gross), so the wide decimal arithmetic runs on the few others alone."""
    plain = _whole(pc.cast(value, DECIMAL))
    if not pc.any(where).as_py():
        return plain
    where = _whole(where)
    converted = _exact(convert(pc.filter(value, where), pc.filter(factor, where)))
    return pc.replace_with_mask(plain, where, _whole(converted))


def _whole(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


@computed("net")
def _net(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    value, factor, gross = _rate_factor(table, args)
    return _converted(value, factor, gross, lambda v, f: pc.divide(pc.multiply(v, _HUNDRED), f))


@computed("gross")
def _gross(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    value, factor, gross = _rate_factor(table, args)
    return _converted(value, factor, pc.invert(gross), lambda v, f: pc.divide(pc.multiply(v, f), _HUNDRED))


@computed("nth_related")
def _nth_related(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """Field `field` of the n-th related record (e.g. the 2nd tax rate of an order), ordered by `order_by`.

    `where` ({field: value or [values]}) considers only some related records (e.g. one language's texts).
    """
    other = related[args["entity"]] if args["entity"] in related else schema(args["entity"]).empty_table()
    key = args.get("key", "order_id")
    field = other.schema.field(args["field"])
    other, rank = _ranked(other, key, args.get("order_by"), bool(args.get("descending", True)),
                          args.get("where", {}))
    if other.num_rows == 0:
        return pa.nulls(table.num_rows, field.type)
    pick = other.filter(pc.equal(rank, int(args["n"]) - 1))
    index = pc.index_in(table.column(key), value_set=pick.column(key).combine_chunks())
    return pc.take(pick.column(args["field"]).combine_chunks(), index)


@computed("count_related")
def _count_related(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """How many related records (of `entity`, by `key`, those `where` names) each record has: 0 for none."""
    other = related[args["entity"]] if args["entity"] in related else schema(args["entity"]).empty_table()
    key = args.get("key", "order_id")
    other, _ = _ranked(other, key, None, True, args.get("where", {}))
    if other.num_rows == 0:
        return constant(0, table.num_rows, pa.int64())
    counts = other.group_by(key).aggregate([([], "count_all")])
    index = pc.index_in(table.column(key), value_set=counts.column(key).combine_chunks())
    return pc.fill_null(pc.take(counts.column("count_all").combine_chunks(), index), 0)


@computed("difference")
def _difference(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """Field `from` less field `minus`, exact (an order's net total: its total less its tax)."""
    value = pc.cast(table.column(args["from"]), pa.decimal128(15, 4))
    less = pc.cast(table.column(args["minus"]), pa.decimal128(15, 4))
    return _whole(_exact(pc.subtract(value, less)))


@computed("scaled")
def _scaled(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """Field `from` times `factor`, exact (a rate in percent as a fraction: factor "0.01")."""
    factor = pa.scalar(Decimal(str(args["factor"])), pa.decimal128(9, 6))
    return _whole(_exact(pc.multiply(pc.cast(table.column(args["from"]), pa.decimal128(15, 4)), factor)))


# The fields of one ranking (1st and 2nd tax rate, their amounts) rank the same records: sorted once.
_last_rank: list[tuple[pa.Table, tuple[Any, ...], tuple[pa.Table, pa.Array]]] = []


def _ranked(other: pa.Table, key: str, order_by: str | None, descending: bool,
            where: dict[str, Any]) -> tuple[pa.Table, pa.Array]:
    """`other`'s records considered (`where`), sorted by key and `order_by`, with each one's rank in its key."""
    how = (key, order_by, descending, repr(sorted(where.items())))
    last = _last_rank[0] if _last_rank else None  # one read: another thread may replace it
    if last is not None and last[0] is other and last[1] == how:
        return last[2]
    table = other
    for column, allowed in where.items():
        values = allowed if isinstance(allowed, list) else [allowed]
        table = table.filter(pc.is_in(pc.cast(table.column(column), pa.string()),
                                      value_set=pa.array([str(v) for v in values], pa.string())))
    if table.num_rows == 0:
        return table, pa.array([], pa.int64())
    order = [(key, "ascending", "at_end")]
    if order_by:
        order.append((order_by, "descending" if descending else "ascending", "at_end"))
    table = table.take(pc.sort_indices(table, sort_keys=order))
    keys = table.column(key).combine_chunks()
    # Rank within each key: the row's position minus the position where its key's run starts.
    starts = pc.fill_null(pc.not_equal(keys.slice(1), keys.slice(0, len(keys) - 1)), True)
    starts = pa.concat_arrays([pa.array([True]), starts])
    run = pc.subtract(pc.cumulative_sum(pc.cast(starts, pa.int64())), 1)
    rank = pc.subtract(positions(len(keys)), pc.take(pc.indices_nonzero(starts), run))
    _last_rank[:] = [(other, how, (table, rank))]  # holds `other`, so `is` cannot match another one
    return table, rank


@computed("plain_text")
def _plain_text(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """HTML as plain text (tags dropped, entities resolved, paragraphs and list items on lines of their own).

    Of field `from`, or, given `entity`, of the related record `nth_related` finds (e.g. a language's long text).
    """
    values = _nth_related(table, args, related) if "entity" in args else table.column(args["from"])
    from etl.transform.html_text import html_to_text  # html.parser only for the flows that show HTML

    # Each distinct text is converted once: variants and boilerplate share their descriptions.
    coded = pc.dictionary_encode(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
    texts = pa.array([html_to_text(v) for v in coded.dictionary.to_pylist()], pa.string())
    return pc.take(texts, coded.indices)


def _present(value: Any) -> bool:
    return value is not None and value is not False and value != "" and value != 0


@computed("format")
def _format(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """Text from `template` with `{field}` placeholders; `else` instead where field `when` is empty."""
    fast = _format_in_arrow(table, args)
    if fast is not None:
        return fast
    rows = template_rows(table, (args["template"], args.get("else")), [args["when"]] if "when" in args else [])
    out = []
    for row in rows:
        template = args["template"] if "when" not in args or _present(row.get(args["when"])) else args.get("else")
        filled = {k: "" if v is None else v for k, v in row.items()}
        out.append(template.format_map(filled).strip() or None if template is not None else None)
    return pa.array(out, pa.string())


def _format_in_arrow(table: pa.Table, args: dict[str, Any]) -> pa.Array | None:
    """`_format` without a Python call per row, where the templates and the `when` column allow it."""
    template, other = args["template"], args.get("else")
    filled = fill_template(table, template)
    if filled is None:
        return None
    if "when" in args:
        when = args["when"]
        if when not in table.column_names or (present := _present_mask(table.column(when))) is None:
            return None
        instead = fill_template(table, other) if other is not None else pa.nulls(table.num_rows, pa.string())
        if instead is None:
            return None
        filled = pc.if_else(present, filled, instead)
    trimmed = pc.utf8_trim(filled, characters=PYTHON_SPACES)  # what str.strip() takes away
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _present_mask(values: pa.Array | pa.ChunkedArray) -> pa.Array | None:
    """Where `_present` holds, for the column types it knows in Arrow (None for others)."""
    kind = values.type
    if pa.types.is_boolean(kind):
        return pc.fill_null(values, False)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.fill_null(pc.not_equal(values, ""), False)
    if pa.types.is_integer(kind) or pa.types.is_decimal(kind) or pa.types.is_floating(kind):
        zero = pa.scalar(Decimal(0) if pa.types.is_decimal(kind) else 0, kind)
        return pc.fill_null(pc.not_equal(values, zero), False)
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return pc.is_valid(values)
    return None


@computed("setting")
def _setting(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """A value of etl.yaml (`key`, dotted, e.g. carriers.dhl.billing_number); only where `when` is set."""
    settings: dict[str, Any] = args["_maps"].get("_settings", {})
    value = settings.get(args["key"])
    value = None if value in (None, "") else str(value)
    if "when" not in args:
        return constant(value, table.num_rows, pa.string())
    return pa.array([value if _present(v) else None for v in table.column(args["when"]).to_pylist()], pa.string())


@computed("fraction")
def _fraction(table: pa.Table, args: dict[str, Any], related: Neutral) -> pa.Array:
    """A percentage of field `from` as a fraction (19 -> 0.19), exact: a tax rate as BMEcat's TAX."""
    values = table.column(args["from"]).combine_chunks()
    return pc.divide(values, _HUNDRED) if pa.types.is_decimal(values.type) else pc.divide(values, 100)
