"""Pydantic's errors about etl.yaml or a layout as problems the catalog translates: file, line, key, what is allowed.

Pydantic words its errors in English for programmers ("Extra inputs are not permitted"); a merchant reads
"etl.yaml, Zeile 3: unbekannter Schlüssel 'lanugage' (erlaubt: language, mail, …)". Each problem is made in
English from a catalog template by the error's type and translated when shown (`etl.i18n.translate`); the
line is the key's line in the YAML text (its node's mark), found only when there is an error to tell.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from etl.i18n import N_

UNKNOWN = N_("{file}, line {line}: unknown key '{key}' (allowed: {allowed})")
MISSING = N_("{file}, line {line}: {key} is missing")
CHOICE = N_("{file}, line {line}: {key} is '{value}' (allowed: {allowed})")
SECTION = N_("{file}, line {line}: {key} must be a section of keys (key: value)")
LIST = N_("{file}, line {line}: {key} must be a list")
OTHER = N_("{file}, line {line}: {key} ({problem})")
# Errors about one value: what the value is not.
VALUE = {("int_parsing", "int_type", "int_from_float"):
             N_("{file}, line {line}: {key} is '{value}', not a whole number"),
         ("decimal_parsing", "decimal_type", "float_parsing", "float_type"):
             N_("{file}, line {line}: {key} is '{value}', not a number"),
         ("bool_parsing", "bool_type"): N_("{file}, line {line}: {key} is '{value}', not yes or no (true, false)"),
         ("string_type",): N_("{file}, line {line}: {key} is '{value}', not a text")}
_KINDS = {kind: template for kinds, template in VALUE.items() for kind in kinds}
_QUOTED = re.compile(r"'([^']*)'")


def validation_problems(path: Path, text: str, model: type[BaseModel], exc: ValidationError) -> list[str]:
    """Every error of `exc` (validating `model` from the YAML `text` of `path`) as an English catalog problem."""
    root = _compose(text)
    return [_problem(path, root, model, error) for error in exc.errors()]


def _problem(path: Path, root: Any, model: type[BaseModel], error: Any) -> str:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and "[" in part))  # union tags
    key = ".".join(map(str, loc))
    kind, value = error["type"], error.get("input")
    facts = {"file": path, "line": _line(root, loc), "key": key, "value": value}
    if not loc:  # about the whole file: a layout's own checks ("a; b; c")
        return f"{path}: {error['msg'].removeprefix('Value error, ')}"
    if kind == "extra_forbidden":
        return UNKNOWN.format(**facts, allowed=", ".join(_fields(_model_at(model, loc[:-1]))))
    if kind == "missing":
        return MISSING.format(**facts)
    if kind in ("literal_error", "enum"):
        return CHOICE.format(**facts, allowed=", ".join(_QUOTED.findall(str(error.get("ctx", {}).get("expected")))))
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return SECTION.format(**facts)
    if kind in ("list_type", "tuple_type"):
        return LIST.format(**facts)
    if kind in _KINDS and not isinstance(value, dict | list):
        return _KINDS[kind].format(**facts)
    return OTHER.format(**facts, problem=error["msg"].removeprefix("Value error, "))


def _compose(text: str) -> Any:
    """The YAML node tree of `text` (with each node's line), or None when it cannot be composed."""
    import yaml

    try:
        return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None


def _line(node: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest key of `loc` the YAML holds (a missing key: its section's line); 1 at the top."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        children = node.value if node is not None and isinstance(node.value, list) else []
        if node is not None and node.tag.endswith(":map"):
            found = next(((k, v) for k, v in children if str(k.value) == str(part)), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif node is not None and node.tag.endswith(":seq") and isinstance(part, int) and part < len(children):
            node = children[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model whose keys sit at `loc` (a dict's key or a list's index keeps the model of its values)."""
    current = model
    for part in loc:
        fields = {(info.alias or name): info for name, info in current.model_fields.items()}
        fields.update(current.model_fields)
        if isinstance(part, str) and part in fields:
            inner = _inner_model(fields[part].annotation)
            if inner is None:
                break
            current = inner
    return current


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((found for arg in get_args(annotation) if (found := _inner_model(arg)) is not None), None)


def _fields(model: type[BaseModel]) -> list[str]:
    """The keys a model takes, by the name a file uses (`from`, not `from_`)."""
    return [info.alias or name for name, info in model.model_fields.items() if name != "base"]
