"""The MLflow search grammar: `filter` strings and `order_by` clauses parsed into a small AST.

A filter is comparisons joined by AND, `<identifier> <comparator> <value>`; an order_by
clause is `<identifier> [ASC|DESC]` (reference §4). A `FilterSpec` says which entities,
attributes and comparators one searchable resource accepts, so every search shares this
parser; `filter_sql` turns the result into SQL.

Parsing happens in two steps. The scanner reads the text into clauses and reports syntax
errors with a 0-based character position; resolving a clause against the spec then checks
entity, key, comparator and value type, and its errors quote the offending clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from trackdeck.errors import InvalidParameterValue

__all__ = [
    "EXPERIMENT_FILTER_SPEC",
    "LOGGED_MODEL_FILTER_SPEC",
    "RUN_FILTER_SPEC",
    "AttributeSpec",
    "Comparison",
    "Entity",
    "FilterSpec",
    "Operator",
    "OrderKey",
    "parse_filter",
    "parse_order_by",
]

Entity = Literal["attribute", "metric", "param", "tag", "dataset"]
Operator = Literal[
    "=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"
]
Value = str | float | int | tuple[str, ...] | None


@dataclass(frozen=True)
class Comparison:
    """One filter comparison, canonical: attribute aliases resolved, comparator upper-case.

    `value` is a str for a quoted string, an int or float for a numeric literal (int when
    written without '.' or an exponent), a tuple of str for IN / NOT IN, None for IS [NOT] NULL.
    """

    entity: Entity
    key: str
    op: Operator
    value: Value


@dataclass(frozen=True)
class OrderKey:
    entity: Entity
    key: str
    ascending: bool


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    kind: Literal["string", "numeric"]
    operators: frozenset[str]
    orderable: bool = True


@dataclass(frozen=True)
class FilterSpec:
    """What one searchable resource accepts in `filter` and `order_by`.

    `entities` maps lower-case spellings to entities, `attributes` maps spellings (exact case)
    to specs. `orderable_entities` lists the non-attribute entities any key of which may
    appear in order_by; attributes are orderable per `AttributeSpec.orderable`.
    """

    entities: dict[str, Entity]
    attributes: dict[str, AttributeSpec]
    entity_operators: dict[Entity, frozenset[str]]
    dataset_keys: frozenset[str] = frozenset()
    order_attribute_aliases_excluded: frozenset[str] = frozenset()
    orderable_entities: frozenset[Entity] = frozenset()


# Display order for "allowed: ..." lists.
_OPERATOR_ORDER: tuple[Operator, ...] = (
    "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"
)  # fmt: skip
_SYMBOLIC: dict[str, Operator] = {"=": "=", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
_WORD_OPS: dict[str, Operator] = {"LIKE": "LIKE", "ILIKE": "ILIKE", "IN": "IN"}
_ENTITY_KIND: dict[Entity, Literal["string", "numeric"]] = {
    "metric": "numeric",
    "param": "string",
    "tag": "string",
    "dataset": "string",
}
_NOUN: dict[Entity, str] = {
    "attribute": "Attribute",
    "metric": "Metric",
    "param": "Parameter",
    "tag": "Tag",
    "dataset": "Dataset",
}

_IDENT = re.compile(r"[\w.]+")  # an unquoted identifier; dots allowed (tags.mlflow.runName)
_WORD = re.compile(r"\w+")  # a keyword: AND, LIKE, NOT, ASC ...
_BARE_VALUE = re.compile(r"[\w.+-]+")  # an unquoted value: a number, or a string missing quotes
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_OP_CHARS = re.compile(r"[<>=!]+")
_LEXEME = re.compile(r"'[^']*'?|\"[^\"]*\"?|`[^`]*`?|[\w.+-]+|[<>=!]+|.", re.DOTALL)
_QUOTES = "`\"'"
_KEY_HINT = "quote keys containing spaces or special characters with backticks"


@dataclass(frozen=True)
class _Literal:
    kind: Literal["string", "number", "word"]
    value: str | int | float


@dataclass(frozen=True)
class _Clause:
    """One comparison as written, before it is checked against a spec."""

    entity: str | None
    key: str
    op: Operator
    value: _Literal | tuple[_Literal, ...] | None
    source: str


class _Scanner:
    """Reads a filter or one order_by clause left to right; errors name the position."""

    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.what = what
        self.pos = 0

    def fail(self, message: str) -> InvalidParameterValue:
        return InvalidParameterValue(f"Invalid {self.what} '{self.text}': {message}")

    def unexpected(self, expected: str) -> InvalidParameterValue:
        if self.pos >= len(self.text):
            return self.fail(f"unexpected end of input at position {self.pos}; expected {expected}")
        if self.text[self.pos].isspace():
            return self.fail(f"unexpected whitespace at position {self.pos}; expected {expected}")
        match = _LEXEME.match(self.text, self.pos)
        lexeme = match.group() if match else self.text[self.pos]
        lexeme = lexeme if len(lexeme) <= 30 else lexeme[:27] + "..."
        shown = f'"{lexeme}"' if "'" in lexeme else f"'{lexeme}'"
        return self.fail(f"unexpected {shown} at position {self.pos}; expected {expected}")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        self.skip_ws()
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def at_any(self, chars: str) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] in chars

    def take(self, pattern: re.Pattern[str]) -> str | None:
        match = pattern.match(self.text, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return match.group()

    def peek_word(self) -> str:
        match = _IDENT.match(self.text, self.pos)
        return match.group().upper() if match else ""

    def quoted(self) -> str:
        """A quoted string or key. A doubled quote, backslash-quote and `\\\\` are escapes;
        any other backslash stays as written, so LIKE patterns reach the compiler intact."""
        quote, start = self.text[self.pos], self.pos
        out: list[str] = []
        self.pos += 1
        while self.pos < len(self.text):
            char, following = self.text[self.pos], self.text[self.pos + 1 : self.pos + 2]
            if char == "\\" and following in (quote, "\\"):
                out.append(following)
                self.pos += 2
            elif char == quote and following == quote:
                out.append(quote)
                self.pos += 2
            elif char == quote:
                self.pos += 1
                return "".join(out)
            else:
                out.append(char)
                self.pos += 1
        raise self.fail(f"unbalanced quote: the {quote} at position {start} is never closed")

    def identifier(self) -> tuple[str | None, str]:
        """`(entity as written, key)`; entity is None for a bare attribute key."""
        self.skip_ws()
        if self.at_any('`"'):
            first = self.quoted()
            if self.peek() != ".":
                return None, first
            self.pos += 1
            entity = first
            key = self.take(_IDENT)
            if key is not None:
                return entity, key
        else:
            word = None if self.at_any(".") else self.take(_IDENT)
            if word is None:
                raise self.unexpected("an identifier such as metrics.<key> or an attribute name")
            entity, dot, key = word.partition(".")
            if not dot:
                return None, word
            if key:
                if self.at_any(_QUOTES):
                    raise self.unexpected(f"a comparator; {_KEY_HINT}")
                return entity, key
        if self.at_any('`"'):
            start = self.pos
            key = self.quoted()
            if not key:
                raise self.fail(f"empty key at position {start}")
            return entity, key
        raise self.unexpected(f"a key after '{entity}.'")

    def comparator(self) -> Operator:
        self.skip_ws()
        start = self.pos
        symbol = self.take(_OP_CHARS)
        if symbol is not None:
            if symbol in _SYMBOLIC:
                return _SYMBOLIC[symbol]
            self.pos = start
            raise self.unexpected("a comparator")
        word = (self.take(_WORD) or "").upper()
        if word in _WORD_OPS:
            return _WORD_OPS[word]
        if word == "NOT":
            self.skip_ws()
            if self.peek_word() != "IN":
                raise self.unexpected("IN after NOT")
            self.take(_WORD)
            return "NOT IN"
        if word == "IS":
            self.skip_ws()
            negated = self.peek_word() == "NOT"
            if negated:
                self.take(_WORD)
                self.skip_ws()
            if self.peek_word() != "NULL":
                raise self.unexpected("NULL or NOT NULL after IS")
            self.take(_WORD)
            return "IS NOT NULL" if negated else "IS NULL"
        self.pos = start
        raise self.unexpected(f"a comparator; {_KEY_HINT}")

    def literal(self) -> _Literal:
        self.skip_ws()
        if self.at_any("'\""):
            return _Literal("string", self.quoted())
        start = self.pos
        bare = self.take(_BARE_VALUE)
        if bare is None or bare.upper() in ("AND", "OR"):  # "a = AND b = 1" lacks a value
            self.pos = start
            raise self.unexpected("a value: a quoted string or a number")
        if _NUMBER.fullmatch(bare):
            exact = not any(c in bare for c in ".eE")
            return _Literal("number", int(bare) if exact else float(bare))
        return _Literal("word", bare)

    def in_list(self) -> tuple[_Literal, ...]:
        self.skip_ws()
        if self.peek() != "(":
            raise self.unexpected("'(' starting a list such as ('a', 'b')")
        self.pos += 1
        items: list[_Literal] = []
        if self.at_end() or self.peek() != ")":
            while True:
                items.append(self.literal())
                self.skip_ws()
                if self.peek() == ")":
                    break
                if self.peek() != ",":
                    raise self.unexpected("',' or ')' in the list")
                self.pos += 1
        self.pos += 1
        return tuple(items)

    def clause(self) -> _Clause:
        self.skip_ws()
        start = self.pos
        if self.peek() == "(":
            raise self.fail(f"parentheses around comparisons (position {start}) are not supported")
        keyword = self.peek_word()
        if keyword == "OR":
            raise self.fail(f"OR at position {start} is not supported; join clauses with AND")
        if keyword == "NOT":
            raise self.fail(
                f"NOT at position {start} is not supported; use !=, NOT IN or IS NOT NULL"
            )
        if keyword == "AND":
            raise self.unexpected("a comparison")
        entity, key = self.identifier()
        op = self.comparator()
        value: _Literal | tuple[_Literal, ...] | None = None
        if op in ("IN", "NOT IN"):
            value = self.in_list()
        elif op not in ("IS NULL", "IS NOT NULL"):
            value = self.literal()
        return _Clause(entity, key, op, value, self.text[start : self.pos])

    def conjunction(self) -> bool:
        """Consume the AND before another clause; False at the end of the filter."""
        if self.at_end():
            return False
        word = self.peek_word()
        if word == "AND":
            self.take(_WORD)
            if self.at_end():
                raise self.unexpected("a comparison after AND")
            return True
        if word == "OR":
            raise self.fail(
                f"OR at position {self.pos} is not supported in filters; join clauses with AND"
            )
        raise self.unexpected("AND or the end of the filter")


def _invalid(message: str, source: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"{message}: {source}")


def _allowed(operators: frozenset[str]) -> str:
    return ", ".join(op for op in _OPERATOR_ORDER if op in operators)


def _entity(written: str | None, spec: FilterSpec, source: str) -> Entity:
    if written is None:
        return "attribute"
    entity = spec.entities.get(written.lower())
    if entity is None:
        valid = ", ".join(spec.entities)
        raise _invalid(f"Invalid entity type '{written}' (valid: {valid})", source)
    return entity


def _value(clause: _Clause, entity: Entity, kind: str) -> Value:
    noun = _NOUN[entity]
    if clause.value is None:
        return None
    if isinstance(clause.value, tuple):
        if not clause.value:
            raise _invalid(f"The list after {clause.op} must not be empty", clause.source)
        if any(item.kind != "string" for item in clause.value):
            raise _invalid(f"{noun} values in an {clause.op} list must be quoted", clause.source)
        return tuple(str(item.value) for item in clause.value)
    literal = clause.value
    if kind == "numeric":
        if literal.kind != "number":
            quoted = ", not a quoted string" if literal.kind == "string" else ""
            raise _invalid(f"{noun} value must be a number{quoted}", clause.source)
        return literal.value
    if literal.kind != "string":
        raise _invalid(f"{noun} value must be quoted", clause.source)
    return literal.value


def _resolve(clause: _Clause, spec: FilterSpec) -> Comparison:
    entity = _entity(clause.entity, spec, clause.source)
    if entity == "attribute":
        attribute = spec.attributes.get(clause.key)
        if attribute is None:
            valid = ", ".join(spec.attributes)
            raise _invalid(f"Invalid attribute key '{clause.key}' (valid: {valid})", clause.source)
        key, kind, operators = attribute.name, attribute.kind, attribute.operators
    else:
        if entity == "dataset" and clause.key not in spec.dataset_keys:
            valid = ", ".join(sorted(spec.dataset_keys))
            raise _invalid(f"Invalid dataset key '{clause.key}' (valid: {valid})", clause.source)
        key, kind = clause.key, _ENTITY_KIND[entity]
        operators = spec.entity_operators.get(entity, frozenset())
    if clause.op not in operators:
        raise _invalid(
            f"Invalid comparator '{clause.op}' for {entity} '{clause.key}' "
            f"(allowed: {_allowed(operators)})",
            clause.source,
        )
    return Comparison(entity, key, clause.op, _value(clause, entity, kind))


def parse_filter(text: str | None, spec: FilterSpec) -> list[Comparison]:
    """The AND-joined comparisons of `text`; an empty, blank or missing filter has none."""
    if text is None or not text.strip():
        return []
    scanner = _Scanner(text, "filter")
    clauses = [scanner.clause()]
    while scanner.conjunction():
        clauses.append(scanner.clause())
    # Syntax errors anywhere come before meaning errors: "OR" is the better message for
    # "a = 1 OR b = 2" than "unknown attribute 'a'".
    return [_resolve(clause, spec) for clause in clauses]


def _order_key(clause: str, spec: FilterSpec) -> OrderKey:
    scanner = _Scanner(clause, "order_by clause")
    if scanner.at_end():
        raise scanner.fail("expected an identifier such as start_time or metrics.<key>")
    written, key = scanner.identifier()
    ascending = True
    if not scanner.at_end():
        direction = (scanner.take(_WORD) or "").upper()
        if direction not in ("ASC", "DESC"):
            scanner.pos -= len(direction)
            raise scanner.unexpected(f"ASC or DESC; {_KEY_HINT}")
        ascending = direction == "ASC"
        if not scanner.at_end():
            raise scanner.unexpected("the end of the clause")
    source = clause.strip()
    entity = _entity(written, spec, source)
    if entity == "attribute":
        orderable = {
            spelling: attribute
            for spelling, attribute in spec.attributes.items()
            if attribute.orderable and spelling not in spec.order_attribute_aliases_excluded
        }
        attribute = orderable.get(key)
        if attribute is None:
            valid = ", ".join(orderable)
            raise _invalid(f"Invalid order_by attribute key '{key}' (valid: {valid})", source)
        return OrderKey("attribute", attribute.name, ascending)
    if entity not in spec.orderable_entities:
        raise _invalid(f"Ordering by {entity} keys is not supported", source)
    return OrderKey(entity, key, ascending)


def parse_order_by(clauses: list[str] | None, spec: FilterSpec) -> list[OrderKey]:
    """One sort key per clause, in the order given (the first sorts first)."""
    return [_order_key(clause, spec) for clause in clauses or []]


_NUMERIC_OPS = frozenset({"=", "!=", ">", ">=", "<", "<="})
_STRING_OPS = frozenset({"=", "!=", "LIKE", "ILIKE"})
_LIST_OPS = frozenset({"IN", "NOT IN"})
_NULL_OPS = frozenset({"IS NULL", "IS NOT NULL"})


def _attributes(
    specs: list[AttributeSpec], aliases: dict[str, str] | None = None
) -> dict[str, AttributeSpec]:
    """Spelling -> spec; each alias is listed right after the attribute it names."""
    by_name = {spec.name: spec for spec in specs}
    table: dict[str, AttributeSpec] = {}
    for spec in specs:
        table[spec.name] = spec
        for alias, target in (aliases or {}).items():
            if target == spec.name:
                table[alias] = by_name[target]
    return table


_RUN_NAME_ALIASES = ("run name", "Run name", "Run Name")

RUN_FILTER_SPEC = FilterSpec(
    entities={
        **dict.fromkeys(("metric", "metrics"), "metric"),
        **dict.fromkeys(("param", "params", "parameter", "parameters"), "param"),
        **dict.fromkeys(("tag", "tags"), "tag"),
        **dict.fromkeys(("attribute", "attributes", "attr", "run"), "attribute"),
        **dict.fromkeys(("dataset", "datasets"), "dataset"),
    },
    attributes=_attributes(
        [
            AttributeSpec("run_id", "string", _STRING_OPS | _LIST_OPS),
            AttributeSpec("run_name", "string", _STRING_OPS),
            AttributeSpec("status", "string", _STRING_OPS),
            AttributeSpec("user_id", "string", _STRING_OPS),
            AttributeSpec("artifact_uri", "string", _STRING_OPS),
            AttributeSpec("start_time", "numeric", _NUMERIC_OPS),
            AttributeSpec("end_time", "numeric", _NUMERIC_OPS),
        ],
        {
            **dict.fromkeys(_RUN_NAME_ALIASES, "run_name"),
            **dict.fromkeys(("created", "Created"), "start_time"),
        },
    ),
    entity_operators={
        "metric": _NUMERIC_OPS,
        "param": _STRING_OPS | _NULL_OPS,
        "tag": _STRING_OPS | _NULL_OPS,
        "dataset": _STRING_OPS | _LIST_OPS,
    },
    dataset_keys=frozenset({"name", "digest", "context"}),
    order_attribute_aliases_excluded=frozenset(_RUN_NAME_ALIASES),
    orderable_entities=frozenset({"metric", "param", "tag"}),
)

EXPERIMENT_FILTER_SPEC = FilterSpec(
    entities={
        **dict.fromkeys(("attribute", "attributes", "attr"), "attribute"),
        **dict.fromkeys(("tag", "tags"), "tag"),
    },
    attributes=_attributes(
        [
            AttributeSpec("name", "string", _STRING_OPS),
            # Compared as a string (values quoted) but stored as an integer, so no LIKE.
            AttributeSpec("experiment_id", "string", frozenset({"=", "!="}) | _LIST_OPS),
            AttributeSpec("creation_time", "numeric", _NUMERIC_OPS),
            AttributeSpec("last_update_time", "numeric", _NUMERIC_OPS),
        ]
    ),
    entity_operators={"tag": _STRING_OPS | _NULL_OPS},
)

LOGGED_MODEL_FILTER_SPEC = FilterSpec(
    entities={
        **dict.fromkeys(("metric", "metrics"), "metric"),
        **dict.fromkeys(("param", "params", "parameter", "parameters"), "param"),
        **dict.fromkeys(("tag", "tags"), "tag"),
        **dict.fromkeys(("attribute", "attributes", "attr"), "attribute"),
    },
    attributes=_attributes(
        [
            AttributeSpec("name", "string", _STRING_OPS | _LIST_OPS),
            AttributeSpec("model_id", "string", _STRING_OPS | _LIST_OPS),
            AttributeSpec("model_type", "string", _STRING_OPS | _LIST_OPS),
            AttributeSpec("status", "string", _STRING_OPS | _LIST_OPS),
            AttributeSpec("source_run_id", "string", _STRING_OPS | _LIST_OPS),
            AttributeSpec("creation_timestamp", "numeric", _NUMERIC_OPS),
            AttributeSpec("last_updated_timestamp", "numeric", _NUMERIC_OPS),
        ],
        {"creation_time": "creation_timestamp", "last_updated_time": "last_updated_timestamp"},
    ),
    entity_operators={"metric": _NUMERIC_OPS, "param": _STRING_OPS, "tag": _STRING_OPS},
    orderable_entities=frozenset({"metric"}),
)
