"""The search grammar on its own: filter and order_by text in, typed AST or a precise error out."""

from __future__ import annotations

import pytest

from trackdeck.errors import InvalidParameterValue
from trackdeck.store.filter_grammar import (
    EXPERIMENT_FILTER_SPEC,
    RUN_FILTER_SPEC,
    AttributeSpec,
    Comparison,
    FilterSpec,
    OrderKey,
    parse_filter,
    parse_order_by,
)

RUNS = RUN_FILTER_SPEC
EXPERIMENTS = EXPERIMENT_FILTER_SPEC

NUMERIC_OPS = ["=", "!=", ">", ">=", "<", "<="]
STRING_OPS = ["=", "!=", "LIKE", "ILIKE"]


def one(text: str, spec: FilterSpec = RUNS) -> Comparison:
    [comparison] = parse_filter(text, spec)
    return comparison


def error(text: str, spec: FilterSpec = RUNS) -> str:
    with pytest.raises(InvalidParameterValue) as caught:
        parse_filter(text, spec)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    return caught.value.message


def order_error(clauses: list[str], spec: FilterSpec = RUNS) -> str:
    with pytest.raises(InvalidParameterValue) as caught:
        parse_order_by(clauses, spec)
    return caught.value.message


# --- accepted comparisons: every comparator for every kind


@pytest.mark.parametrize("op", NUMERIC_OPS)
def test_metric_comparators(op: str) -> None:
    assert one(f"metrics.acc {op} 0.5") == Comparison("metric", "acc", op, 0.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("entity", ["param", "tag"])
@pytest.mark.parametrize("op", STRING_OPS)
def test_param_and_tag_comparators(entity: str, op: str) -> None:
    assert one(f"{entity}s.k {op} 'v%'") == Comparison(entity, "k", op, "v%")  # type: ignore[arg-type]


@pytest.mark.parametrize("entity", ["param", "tag"])
@pytest.mark.parametrize("op", ["IS NULL", "IS NOT NULL"])
def test_param_and_tag_null_checks(entity: str, op: str) -> None:
    assert one(f"{entity}s.k {op}") == Comparison(entity, "k", op, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("attribute", ["run_id", "run_name", "status", "user_id", "artifact_uri"])
@pytest.mark.parametrize("op", STRING_OPS)
def test_string_attribute_comparators(attribute: str, op: str) -> None:
    expected = Comparison("attribute", attribute, op, "x")  # type: ignore[arg-type]
    assert one(f"{attribute} {op} 'x'") == expected
    assert one(f"attributes.{attribute} {op} 'x'") == expected


@pytest.mark.parametrize("attribute", ["start_time", "end_time"])
@pytest.mark.parametrize("op", NUMERIC_OPS)
def test_numeric_attribute_comparators(attribute: str, op: str) -> None:
    assert one(f"{attribute} {op} 1700000000000") == Comparison(
        "attribute",
        attribute,
        op,  # type: ignore[arg-type]
        1700000000000,
    )


@pytest.mark.parametrize("op", ["IN", "NOT IN"])
def test_run_id_lists(op: str) -> None:
    assert one(f"attributes.run_id {op} ('a', 'b')") == Comparison(
        "attribute",
        "run_id",
        op,  # type: ignore[arg-type]
        ("a", "b"),
    )


@pytest.mark.parametrize("key", ["name", "digest", "context"])
@pytest.mark.parametrize("op", STRING_OPS)
def test_dataset_comparators(key: str, op: str) -> None:
    assert one(f"datasets.{key} {op} 'x'") == Comparison("dataset", key, op, "x")  # type: ignore[arg-type]


@pytest.mark.parametrize("op", ["IN", "NOT IN"])
def test_dataset_lists(op: str) -> None:
    assert one(f"datasets.digest {op} ('a')") == Comparison("dataset", "digest", op, ("a",))  # type: ignore[arg-type]


def test_reference_examples() -> None:
    assert parse_filter(
        "metrics.loss < 10 and params.alpha = '0.5' and tags.team = 'smoke'", RUNS
    ) == [
        Comparison("metric", "loss", "<", 10),
        Comparison("param", "alpha", "=", "0.5"),
        Comparison("tag", "team", "=", "smoke"),
    ]
    assert one("tags.`mlflow.runName` = 'x'") == Comparison("tag", "mlflow.runName", "=", "x")
    assert one("created > 0") == Comparison("attribute", "start_time", ">", 0)
    assert one("params.nope IS NULL") == Comparison("param", "nope", "IS NULL", None)


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t "])
def test_empty_filter(text: str | None) -> None:
    assert parse_filter(text, RUNS) == []


# --- entities, attributes and aliases


@pytest.mark.parametrize(
    ("spelling", "entity"),
    [
        ("metric", "metric"),
        ("metrics", "metric"),
        ("param", "param"),
        ("params", "param"),
        ("parameter", "param"),
        ("parameters", "param"),
        ("tag", "tag"),
        ("tags", "tag"),
        ("dataset", "dataset"),
        ("datasets", "dataset"),
        ("METRICS", "metric"),
        ("Params", "param"),
        ("`tags`", "tag"),
        ('"params"', "param"),
    ],
)
def test_entity_spellings(spelling: str, entity: str) -> None:
    key = "name" if entity == "dataset" else "k"
    value = "1" if entity == "metric" else "'v'"
    comparison = one(f"{spelling}.{key} = {value}")
    assert (comparison.entity, comparison.key) == (entity, key)


@pytest.mark.parametrize("spelling", ["attribute", "attributes", "attr", "run", "`attr`", "ATTR"])
def test_attribute_spellings(spelling: str) -> None:
    assert one(f"{spelling}.status = 'FINISHED'") == Comparison(
        "attribute", "status", "=", "FINISHED"
    )


@pytest.mark.parametrize(
    ("identifier", "canonical"),
    [
        ("created", "start_time"),
        ("Created", "start_time"),
        ("attributes.created", "start_time"),
        ("`run name`", "run_name"),
        ("`Run name`", "run_name"),
        ('"Run Name"', "run_name"),
        ("attributes.`Run Name`", "run_name"),
    ],
)
def test_attribute_aliases(identifier: str, canonical: str) -> None:
    value = "5" if canonical == "start_time" else "'x'"
    assert one(f"{identifier} = {value}").key == canonical


@pytest.mark.parametrize("identifier", ["START_TIME", "Run_Name", "`run Name`", "CREATED", "foo"])
def test_attribute_names_are_exact(identifier: str) -> None:
    message = error(f"{identifier} = 'x'")
    assert "Invalid attribute key" in message
    assert "valid: run_id, run_name" in message


# --- quoting forms


@pytest.mark.parametrize(
    ("identifier", "key"),
    [
        ("tags.mlflow.runName", "mlflow.runName"),
        ("tags.`mlflow.runName`", "mlflow.runName"),
        ('tags."mlflow.runName"', "mlflow.runName"),
        ("`tags`.`my key`", "my key"),
        ('`tags`."my-key"', "my-key"),
        ("`tags`.mlflow.source.type", "mlflow.source.type"),
        ("tags.`a:b/c d-e`", "a:b/c d-e"),
        ("tags.`it``s`", "it`s"),
        ("tags.ключ", "ключ"),
        ("tags.1st", "1st"),
    ],
)
def test_key_quoting(identifier: str, key: str) -> None:
    assert one(f"{identifier} = 'v'") == Comparison("tag", key, "=", "v")


def test_quoted_metric_key() -> None:
    assert one('metrics."my metric" >= 1') == Comparison("metric", "my metric", ">=", 1)


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("'plain'", "plain"),
        ('"double"', "double"),
        ("''", ""),
        ('""', ""),
        ("'it''s'", "it's"),
        ("'it\\'s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        ('"it\'s"', "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        ("'back\\\\'", "back\\"),
        ("'50\\%'", "50\\%"),  # other backslashes reach the SQL compiler unchanged
        ("'a AND b'", "a AND b"),
        ("'x OR y'", "x OR y"),
        ("'(paren)'", "(paren)"),
        ("'  spaced  '", "  spaced  "),
    ],
)
def test_string_values(literal: str, value: str) -> None:
    assert one(f"params.p = {literal}").value == value


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("1", 1),
        ("0", 0),
        ("-1", -1),
        ("+7", 7),
        ("1700000000000", 1700000000000),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        (".5", 0.5),
        ("1.", 1.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        ("-2.5e+2", -250.0),
    ],
)
def test_numeric_values(literal: str, value: int | float) -> None:
    parsed = one(f"metrics.m = {literal}").value
    assert parsed == value
    assert type(parsed) is type(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("run_id IN ('a')", ("a",)),
        ("run_id IN ('a','b','c')", ("a", "b", "c")),
        ("run_id IN ( \"a\" , 'b' )", ("a", "b")),
        ("run_id IN\n('a',\n 'b')", ("a", "b")),
        ("run_id IN ('a,b', 'c''d')", ("a,b", "c'd")),
        ("run_id IN('x')", ("x",)),
    ],
)
def test_in_lists(text: str, value: tuple[str, ...]) -> None:
    assert one(text).value == value


# --- case and whitespace


@pytest.mark.parametrize(
    ("written", "op"),
    [
        ("like", "LIKE"),
        ("Like", "LIKE"),
        ("ilike", "ILIKE"),
        ("iLiKe", "ILIKE"),
        ("is null", "IS NULL"),
        ("Is  Null", "IS NULL"),
        ("is not null", "IS NOT NULL"),
        ("IS\tNOT\nNULL", "IS NOT NULL"),
    ],
)
def test_word_comparators_ignore_case(written: str, op: str) -> None:
    suffix = "" if "NULL" in op else " 'x'"
    assert one(f"tags.t {written}{suffix}").op == op


@pytest.mark.parametrize("written", ["in", "In", "not in", "Not   In", "NOT\nIN"])
def test_list_comparators_ignore_case(written: str) -> None:
    assert one(f"run_id {written} ('a')").op == written.split()[0].upper().replace("NOT", "NOT IN")


@pytest.mark.parametrize("joiner", ["AND", "and", "And", "aNd"])
def test_and_ignores_case(joiner: str) -> None:
    assert (
        len(parse_filter(f"metrics.a = 1 {joiner} metrics.b = 2 {joiner} tags.c = 'x'", RUNS)) == 3
    )


@pytest.mark.parametrize(
    "text",
    [
        "metrics.acc>=0.5",
        "  metrics.acc   >=   0.5  ",
        "metrics.acc\n>=\t0.5",
        "`metrics`.acc>=.5e0",
    ],
)
def test_whitespace_is_optional_around_symbols(text: str) -> None:
    assert one(text) == Comparison("metric", "acc", ">=", 0.5)


def test_adjacent_tokens() -> None:
    assert parse_filter("tags.a='x'AND tags.b LIKE'y%'", RUNS) == [
        Comparison("tag", "a", "=", "x"),
        Comparison("tag", "b", "LIKE", "y%"),
    ]


def test_comparisons_are_hashable_values() -> None:
    assert len({one("run_id IN ('a')"), one("run_id in ('a')")}) == 1


# --- malformed filters: what is wrong and where


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        # unbalanced quotes
        ("tags.a = 'x", ["Invalid filter 'tags.a = 'x'", "unbalanced quote", "position 9"]),
        ('tags.a = "x', ["unbalanced quote", "position 9"]),
        ("tags.`a = 'x'", ["unbalanced quote", "` at position 5"]),
        ("tags.a = 'it''s", ["unbalanced quote"]),
        # OR, parentheses, bare NOT
        ("metrics.a = 1 OR metrics.b = 2", ["OR at position 14 is not supported", "with AND"]),
        ("metrics.a = 1 or metrics.b = 2", ["OR at position 14 is not supported"]),
        ("a = 1 OR b = 2", ["OR at position 6"]),  # syntax is checked before meaning
        ("OR metrics.a = 1", ["OR at position 0"]),
        ("(metrics.a = 1)", ["parentheses", "position 0"]),
        ("metrics.a = 1 AND (tags.b = 'x')", ["parentheses", "position 18"]),
        ("metrics.a = (1)", ["unexpected '(' at position 12", "expected a value"]),
        ("NOT metrics.a = 1", ["NOT at position 0 is not supported"]),
        ("metrics.a = 1 AND NOT tags.b = 'x'", ["NOT at position 18"]),
        # missing pieces
        ("metrics.a =", ["unexpected end of input at position 11", "expected a value"]),
        ("metrics.a = AND tags.b = 'x'", ["expected a value"]),
        ("metrics.a", ["end of input at position 9", "expected a comparator"]),
        ("= 1", ["unexpected '=' at position 0", "expected an identifier"]),
        ("metrics. = 1", ["position 8", "expected a key after 'metrics.'"]),
        ("tags.`` = 'x'", ["empty key at position 5"]),
        ("metrics.a = 1 AND", ["end of input at position 17", "expected a comparison after AND"]),
        ("AND metrics.a = 1", ["unexpected 'AND' at position 0"]),
        ("metrics.a = 1 AND AND tags.b = 'x'", ["unexpected 'AND' at position 18"]),
        # bad comparators
        (
            "metrics.acc >> 1",
            ["Invalid filter 'metrics.acc >> 1'", "unexpected '>>' at position 12"],
        ),
        ("metrics.acc == 1", ["unexpected '==' at position 12"]),
        ("metrics.acc <> 1", ["unexpected '<>' at position 12"]),
        ("metrics.acc ~ 1", ["unexpected '~' at position 12", "expected a comparator"]),
        ("tags.a NOT LIKE 'x'", ["unexpected 'LIKE' at position 11", "expected IN after NOT"]),
        ("tags.a IS 'x'", ["position 10", "expected NULL or NOT NULL"]),
        ("tags.a IS NOT 'x'", ["position 14", "expected NULL or NOT NULL"]),
        ("run name = 'x'", ["unexpected 'name' at position 4", "quote keys"]),
        ("metrics.val-loss > 1", ["unexpected '-loss' at position 11", "quote keys"]),
        # lists
        ("run_id IN 'a'", ["unexpected \"'a'\" at position 10", "expected '('"]),
        ("run_id IN ('a'", ["end of input at position 14", "expected ',' or ')'"]),
        ("run_id IN ('a',)", ["unexpected ')' at position 15", "expected a value"]),
        ("run_id IN ('a' 'b')", ["position 15", "expected ',' or ')'"]),
        # trailing garbage
        ("metrics.a = 1 2", ["unexpected '2' at position 14", "expected AND or the end"]),
        ("metrics.a = 1;", ["unexpected ';' at position 13"]),
        ("tags.a IS NULL 'x'", ["unexpected \"'x'\" at position 15"]),
        ("tags.a = 'x' tags.b = 'y'", ["unexpected 'tags.b' at position 13"]),
        ("tags.a`b` = 'x'", ["unexpected '`b`' at position 6"]),
    ],
)
def test_syntax_errors(text: str, fragments: list[str]) -> None:
    message = error(text)
    assert message.startswith(f"Invalid filter '{text}': ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # comparator not allowed for the kind
        (
            "metrics.acc LIKE 1",
            "Invalid comparator 'LIKE' for metric 'acc' (allowed: =, !=, <, <=, >, >=): "
            "metrics.acc LIKE 1",
        ),
        ("metrics.acc IS NULL", "Invalid comparator 'IS NULL' for metric 'acc'"),
        ("metrics.acc IN (1, 2)", "Invalid comparator 'IN' for metric 'acc'"),
        (
            "params.p > '1'",
            "Invalid comparator '>' for param 'p' "
            "(allowed: =, !=, LIKE, ILIKE, IS NULL, IS NOT NULL): params.p > '1'",
        ),
        ("tags.t IN ('a')", "Invalid comparator 'IN' for tag 't'"),
        (
            "status IN ('RUNNING')",
            "Invalid comparator 'IN' for attribute 'status' (allowed: =, !=, LIKE, ILIKE)",
        ),
        ("`Run Name` NOT IN ('a')", "Invalid comparator 'NOT IN' for attribute 'Run Name'"),
        ("run_id > 'a'", "Invalid comparator '>' for attribute 'run_id'"),
        ("run_id IS NULL", "Invalid comparator 'IS NULL' for attribute 'run_id'"),
        ("created LIKE '1%'", "Invalid comparator 'LIKE' for attribute 'created'"),
        ("datasets.name > 'a'", "Invalid comparator '>' for dataset 'name'"),
        ("datasets.name IS NULL", "Invalid comparator 'IS NULL' for dataset 'name'"),
        # unknown entity, attribute or dataset key
        ("foo.bar = 'x'", "Invalid entity type 'foo' (valid: metric, metrics, param"),
        ("foo = 'x'", "Invalid attribute key 'foo' (valid: run_id, run_name, run name"),
        ("attributes.lifecycle_stage = 'active'", "Invalid attribute key 'lifecycle_stage'"),
        ("datasets.size = 'x'", "Invalid dataset key 'size' (valid: context, digest, name)"),
        # value types
        ("params.alpha = 0.5", "Parameter value must be quoted: params.alpha = 0.5"),
        ("tags.t = red", "Tag value must be quoted: tags.t = red"),
        ("status = RUNNING", "Attribute value must be quoted: status = RUNNING"),
        ("datasets.name LIKE 5", "Dataset value must be quoted: datasets.name LIKE 5"),
        ("metrics.m = '1'", "Metric value must be a number, not a quoted string: metrics.m = '1'"),
        ("metrics.m = nan", "Metric value must be a number: metrics.m = nan"),
        ("metrics.m = 1.2.3", "Metric value must be a number: metrics.m = 1.2.3"),
        ("start_time > 'yesterday'", "Attribute value must be a number, not a quoted string"),
        ("run_id IN ('a', 1)", "Attribute values in an IN list must be quoted: run_id IN ('a', 1)"),
        ("datasets.name NOT IN (x)", "Dataset values in an NOT IN list must be quoted"),
        ("run_id IN ()", "The list after IN must not be empty: run_id IN ()"),
        ("run_id NOT IN (  )", "The list after NOT IN must not be empty"),
    ],
)
def test_meaning_errors(text: str, message: str) -> None:
    assert message in error(text)


def test_meaning_error_quotes_the_offending_clause() -> None:
    message = error("metrics.a > 1 AND params.alpha = 0.5 AND tags.t = 'x'")
    assert message == "Parameter value must be quoted: params.alpha = 0.5"


# --- experiments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'exp'", Comparison("attribute", "name", "=", "exp")),
        ("attribute.name ILIKE '%EXP%'", Comparison("attribute", "name", "ILIKE", "%EXP%")),
        ("name != 'x'", Comparison("attribute", "name", "!=", "x")),
        ("name LIKE 'x%'", Comparison("attribute", "name", "LIKE", "x%")),
        ("experiment_id = '3'", Comparison("attribute", "experiment_id", "=", "3")),
        ("experiment_id IN ('1', '2')", Comparison("attribute", "experiment_id", "IN", ("1", "2"))),
        ("experiment_id NOT IN ('1')", Comparison("attribute", "experiment_id", "NOT IN", ("1",))),
        ("creation_time > 5", Comparison("attribute", "creation_time", ">", 5)),
        ("last_update_time <= 5.5", Comparison("attribute", "last_update_time", "<=", 5.5)),
        ("tags.k = 'v'", Comparison("tag", "k", "=", "v")),
        ("tag.k LIKE 'v%'", Comparison("tag", "k", "LIKE", "v%")),
        ("tags.`a b` IS NULL", Comparison("tag", "a b", "IS NULL", None)),
        ("tag.k is not null", Comparison("tag", "k", "IS NOT NULL", None)),
    ],
)
def test_experiment_filters(text: str, expected: Comparison) -> None:
    assert one(text, EXPERIMENTS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metrics.a > 1", "Invalid entity type 'metrics' (valid: attribute, attributes, attr, tag"),
        ("run.name = 'x'", "Invalid entity type 'run'"),
        ("params.a = 'x'", "Invalid entity type 'params'"),
        ("run_id = 'x'", "Invalid attribute key 'run_id' (valid: name, experiment_id"),
        ("name IN ('a')", "Invalid comparator 'IN' for attribute 'name'"),
        ("experiment_id LIKE '1%'", "Invalid comparator 'LIKE' for attribute 'experiment_id'"),
        ("experiment_id = 1", "Attribute value must be quoted"),
        ("creation_time > '1'", "Attribute value must be a number"),
        ("tags.k > 'v'", "Invalid comparator '>' for tag 'k'"),
    ],
)
def test_experiment_filter_errors(text: str, message: str) -> None:
    assert message in error(text, EXPERIMENTS)


# --- order_by


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("start_time", OrderKey("attribute", "start_time", True)),
        ("start_time ASC", OrderKey("attribute", "start_time", True)),
        ("start_time DESC", OrderKey("attribute", "start_time", False)),
        ("start_time desc", OrderKey("attribute", "start_time", False)),
        ("start_time Asc", OrderKey("attribute", "start_time", True)),
        ("  end_time\tDESC  ", OrderKey("attribute", "end_time", False)),
        ("created DESC", OrderKey("attribute", "start_time", False)),
        ("Created", OrderKey("attribute", "start_time", True)),
        ("run_id", OrderKey("attribute", "run_id", True)),
        ("attributes.run_name DESC", OrderKey("attribute", "run_name", False)),
        ("attr.status", OrderKey("attribute", "status", True)),
        ("run.user_id", OrderKey("attribute", "user_id", True)),
        ("artifact_uri", OrderKey("attribute", "artifact_uri", True)),
        ("metrics.acc DESC", OrderKey("metric", "acc", False)),
        ("metric.`my metric`", OrderKey("metric", "my metric", True)),
        ('params."a-b" asc', OrderKey("param", "a-b", True)),
        ("parameters.lr", OrderKey("param", "lr", True)),
        ("tags.mlflow.runName DESC", OrderKey("tag", "mlflow.runName", False)),
        ("`tags`.`x y`", OrderKey("tag", "x y", True)),
    ],
)
def test_run_order_by(clause: str, expected: OrderKey) -> None:
    assert parse_order_by([clause], RUNS) == [expected]


def test_order_by_keeps_clause_order() -> None:
    assert parse_order_by(["metrics.acc DESC", "params.lr", "start_time ASC"], RUNS) == [
        OrderKey("metric", "acc", False),
        OrderKey("param", "lr", True),
        OrderKey("attribute", "start_time", True),
    ]


@pytest.mark.parametrize("clauses", [None, []])
def test_no_order_by(clauses: list[str] | None) -> None:
    assert parse_order_by(clauses, RUNS) == []


@pytest.mark.parametrize(
    ("clauses", "spec", "fragments"),
    [
        (["`Run Name`"], RUNS, ["Invalid order_by attribute key 'Run Name'", "valid: run_id"]),
        (["`run name` DESC"], RUNS, ["Invalid order_by attribute key 'run name'"]),
        (["attributes.`Run name`"], RUNS, ["Invalid order_by attribute key 'Run name'"]),
        (["foo"], RUNS, ["Invalid order_by attribute key 'foo'"]),
        (["datasets.name"], RUNS, ["Ordering by dataset keys is not supported: datasets.name"]),
        (["bogus.key"], RUNS, ["Invalid entity type 'bogus'"]),
        (["start_time", "start_time UP"], RUNS, ["unexpected 'UP' at position 11", "ASC or DESC"]),
        (["start_time DESC x"], RUNS, ["unexpected 'x' at position 16"]),
        (["start_time DESC, run_id"], RUNS, ["unexpected ',' at position 15"]),
        (["Run Name"], RUNS, ["unexpected 'Name' at position 4", "quote keys"]),
        ([""], RUNS, ["Invalid order_by clause ''", "expected an identifier"]),
        (["   "], RUNS, ["expected an identifier"]),
        (["start_time 'x"], RUNS, ['unexpected "\'x" at position 11']),
        (["tags.`x"], RUNS, ["unbalanced quote"]),
        (["tags.k"], EXPERIMENTS, ["Ordering by tag keys is not supported: tags.k"]),
        (["run_id"], EXPERIMENTS, ["Invalid order_by attribute key 'run_id'", "valid: name"]),
    ],
)
def test_order_by_errors(clauses: list[str], spec: FilterSpec, fragments: list[str]) -> None:
    message = order_error(clauses, spec)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("name", OrderKey("attribute", "name", True)),
        ("experiment_id DESC", OrderKey("attribute", "experiment_id", False)),
        ("creation_time desc", OrderKey("attribute", "creation_time", False)),
        ("attributes.last_update_time", OrderKey("attribute", "last_update_time", True)),
    ],
)
def test_experiment_order_by(clause: str, expected: OrderKey) -> None:
    assert parse_order_by([clause], EXPERIMENTS) == [expected]


# --- the grammar is generic over specs


MODEL_VERSIONS = FilterSpec(
    entities={"tag": "tag", "tags": "tag"},
    attributes={
        "name": AttributeSpec("name", "string", frozenset({"=", "IN"})),
        "version_number": AttributeSpec("version_number", "numeric", frozenset({"=", ">"})),
        "source_path": AttributeSpec("source_path", "string", frozenset({"="}), orderable=False),
    },
    entity_operators={"tag": frozenset({"=", "LIKE"})},
    orderable_entities=frozenset({"tag"}),
)


def test_custom_spec() -> None:
    assert parse_filter(
        "name IN ('m') and version_number > 2 and tags.k LIKE 'v'", MODEL_VERSIONS
    ) == [
        Comparison("attribute", "name", "IN", ("m",)),
        Comparison("attribute", "version_number", ">", 2),
        Comparison("tag", "k", "LIKE", "v"),
    ]
    assert "Invalid comparator 'IS NULL' for tag 'k' (allowed: =, LIKE)" in error(
        "tags.k IS NULL", MODEL_VERSIONS
    )
    assert parse_order_by(["tags.k DESC"], MODEL_VERSIONS) == [OrderKey("tag", "k", False)]
    assert "valid: name, version_number)" in order_error(["source_path"], MODEL_VERSIONS)
