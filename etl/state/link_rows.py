"""Which row of a chunk takes which ERP number, in arrays: what asking customer by customer, in order, gave.

Read row by row, a customer takes the number of its id's link, else of its e-mail's, else the number it
brings, else the fixed guest number, else a new one; its keys not linked yet are linked to it. A key's
link is the number of the first row that had it (or the one in the table): a row whose key an earlier
row of the chunk had takes that row's number, which may itself be an earlier row's (`resolve` follows
them). Only a non-empty number counts as found, as Python's truthiness made it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import PYTHON_SPACES

ROOTS = ("customer", "email", "given", "fixed", "new")  # where a row's number comes from, as a block of `pool`


def text(table: pa.Table, name: str) -> pa.Array:
    """Column `name` of `table` as one string array (nulls where the table lacks it)."""
    if name not in table.column_names:
        return pa.nulls(table.num_rows, pa.string())
    return pc.cast(table.column(name), pa.string()).combine_chunks()


def guests(table: pa.Table) -> pa.Array:
    """Per row, whether it is a guest's (false where the table says nothing)."""
    if "is_guest" not in table.column_names:
        return pa.repeat(pa.scalar(False), table.num_rows)
    return pc.fill_null(pc.cast(table.column("is_guest"), pa.bool_()), False).combine_chunks()


def keys(table: pa.Table) -> tuple[pa.Array, pa.Array]:
    """Each row's customer key (the shop's id, not a guest's nor "0") and e-mail key (Python's strip and
    lower of a non-empty address), null where the row has none.

    A filled template's row has no shop id (its `customer_id` names file and line, which a later template
    reuses for someone else): `shop_customer_id`, where the table has it, is the id.
    """
    ids = text(table, "shop_customer_id" if "shop_customer_id" in table.column_names else "customer_id")
    guest = guests(table)
    customer = pc.if_else(pc.and_(pc.fill_null(pc.not_equal(pc.binary_length(ids), 0), False), pc.and_(
        pc.fill_null(pc.not_equal(ids, "0"), False), pc.invert(guest))), ids, pa.scalar(None, pa.string()))
    mail = text(table, "email")
    mail = pc.if_else(pc.fill_null(pc.not_equal(pc.binary_length(mail), 0), False), mail, pa.scalar(None, pa.string()))
    email = pc.ascii_lower(pc.utf8_trim(mail, characters=PYTHON_SPACES))
    # Beyond ASCII, Python's lower() and Arrow's differ in places: those few are lowered by Python.
    odd = pc.fill_null(pc.invert(pc.string_is_ascii(mail)), False)
    if pc.any(odd).as_py():
        lowered = [value.strip().lower() for value in pc.filter(mail, odd).to_pylist()]
        email = pc.replace_with_mask(email, odd, pa.array(lowered, pa.string()))
    return customer, email


def first_of(keys: pa.Array) -> np.ndarray:
    """Per row, the first row with the same key (-1 where the key is null)."""
    size = len(keys)
    if size == 0:
        return np.zeros(0, np.int64)
    groups = pc.index_in(keys, value_set=pc.unique(keys)).to_numpy(zero_copy_only=False)
    _, firsts = np.unique(groups, return_index=True)
    first = firsts[groups].astype(np.int64)
    first[~keys.is_valid().to_numpy(zero_copy_only=False)] = -1
    return first


@dataclass
class Side:
    """One kind of key of a chunk's rows: the key, its link in the table (if any) and its first row."""

    key: pa.Array
    stored: np.ndarray  # linked in the table
    number: pa.Array  # the table's number (null where not linked)
    first: np.ndarray

    def linking(self) -> np.ndarray:
        """Rows that link their key: its first row in the chunk, where the table has no link."""
        return (self.first == np.arange(len(self.first))) & ~self.stored

    def found(self) -> np.ndarray:
        """Rows whose key's link in the table counts as found (a non-empty number)."""
        return self.stored & pc.fill_null(pc.not_equal(pc.binary_length(self.number), 0), False).to_numpy(
            zero_copy_only=False)

    def earlier(self) -> np.ndarray:
        """Rows whose key an earlier row of the chunk linked."""
        return (self.first >= 0) & (self.first < np.arange(len(self.first))) & ~self.stored


def resolve(customer: Side, email: Side, given: pa.Array, fixed: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the block of `ROOTS` its number comes from and the row whose that block holds it."""
    size = len(given)
    rows = np.arange(size)
    empty = {name: pc.fill_null(pc.equal(values, ""), False).to_numpy(zero_copy_only=False)
             for name, values in (("given", given), ("fixed", fixed))}
    has_given = given.is_valid().to_numpy(zero_copy_only=False)
    has_fixed = fixed.is_valid().to_numpy(zero_copy_only=False)
    own = np.where(has_given, 2, np.where(has_fixed, 3, 4))
    own_empty = np.where(has_given, empty["given"], has_fixed & empty["fixed"])
    found_c, found_e = customer.found(), email.found()
    open_c, open_e = customer.earlier(), email.earlier()
    while True:
        by_c = found_c | open_c
        by_e = ~by_c & (found_e | open_e)
        target = np.where(by_c & open_c, customer.first, np.where(by_e & ~found_e, email.first, rows))
        root = np.where(by_c, np.where(found_c, 0, -1), np.where(by_e, np.where(found_e, 1, -1), own))
        # An earlier row whose own number is empty is no link found: the key's next choice is taken instead.
        empty_root = (root >= 2) & own_empty
        wrong_c, wrong_e = by_c & open_c & empty_root[target], by_e & ~found_e & empty_root[target]
        if not (wrong_c.any() or wrong_e.any()):
            break
        open_c &= ~wrong_c
        open_e &= ~wrong_e
    while True:  # every row's number is an earlier row's: follow them to the row that holds it
        further = target[target]
        if np.array_equal(further, target):
            break
        target = further
    return root[target], target


def pool(customer: Side, email: Side, given: pa.Array, fixed: pa.Array, new: pa.Array) -> pa.Array:
    """The numbers of `ROOTS`, one block of the chunk's rows each."""
    return pa.concat_arrays([customer.number, email.number, given, fixed, new])
