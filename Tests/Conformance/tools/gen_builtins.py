"""Conformance cases for the builtins, one file per family."""
import hashlib
import json

from corpus import CorpusFile, N

BAD_INPUT = "bad input is an error; the reference returns false (LANGUAGE.md, builtins)"


def bigint():
  f = CorpusFile("builtins-bigint.jsonl", "bigint")
  cmp = [("gte", [("'1000000'", "'999999'", True), ("'5'", "'5'", True), ("'4'", "'5'", False)]),
         ("gt", [("'1000000'", "'999999'", True), ("'5'", "'5'", False), ("'4'", "'5'", False)]),
         ("lte", [("'999999'", "'1000000'", True), ("'5'", "'5'", True), ("'6'", "'5'", False)]),
         ("lt", [("'999999'", "'1000000'", True), ("'5'", "'5'", False), ("'6'", "'5'", False)]),
         ("eq", [("'5'", "'5'", True), ("'5'", "'6'", False), ("5", "'5'", True)])]
  for name, rows in cmp:
    f.group(name)
    for a, b, result in rows:
      f.add(f"bigint_{name}({a}, {b})", {}, "pass" if result else "fail")
    f.add(f"bigint_{name}(a, b)", {"a": "100000000000000000000000000000",
                                   "b": "99999999999999999999999999999"},
          "pass" if name in ("gte", "gt") else "fail", "beyond 64 bits")
    f.add(f"bigint_{name}(a, 0)", {}, "error",
          "missing operand is an error; the reference treats it as 0", divergence=True,
          error_contains="missing")
    f.add(f"bigint_{name}(a, 0)", {"a": None}, "error",
          "null operand is an error; the reference treats it as 0", divergence=True)
    f.add(f"bigint_{name}(a, 0)", {"a": 1.5}, "error", BAD_INPUT, divergence=True)
    f.add(f"bigint_{name}(1)", {}, "error", "arity")
  f.group("operand")
  note = "bigint operands: JSON integer or ^-?[0-9]+$ string (DESIGN 7)"
  f.add("bigint_eq(a, 7)", {"a": "007"}, "pass", "'007' is 7")
  f.add("bigint_eq(a, 0)", {"a": "-0"}, "pass", "'-0' is 0")
  f.add("bigint_lt(a, 0)", {"a": "-12"}, "pass")
  f.add("bigint_eq(a, b)", {"a": 9223372036854775808, "b": "9223372036854775808"}, "pass")
  f.add("bigint_gte(a, b)", {"a": "-1", "b": "-2"}, "pass", "negative numbers compare numerically")
  f.add("bigint_gt(a, b)", {"a": "10", "b": "9"}, "pass", "numeric, not lexicographic")
  for bad in ["", " 1", "1 ", "+5", "1e3", "0x10", "1.5", "abc", "1_000", "-"]:
    f.add("bigint_gte(a, 0)", {"a": bad}, "error", note + f": {bad!r} is not one",
          divergence=True)
  f.add("bigint_gte(a, 0)", {"a": True}, "error", note, divergence=True)
  f.add("bigint_gte(a, 0)", {"a": [1]}, "error", note, divergence=True)
  f.add("bigint_gte(a, 0)", {"a": {"v": 1}}, "error", note, divergence=True)
  f.add("bigint_gte(0, a)", {"a": 2.0001}, "error", note + ": decimal number", divergence=True)
  f.add("bigint_gte(a, 0)", {"a": "9" * 4096}, "pass", "4,096 characters is the cap")
  f.add("bigint_gte(a, 0)", {"a": "-" + "9" * 4095}, "fail", "4,096 characters with the sign")
  f.add("bigint_gte(a, 0)", {"a": "9" * 4097}, "error", "over the 4,096-character cap")
  f.add("bigint_gte(a, b) || true", {"a": "x", "b": 1}, "pass", "error absorbed")
  f.add("bigint_gte(budget.limit_micro, budget.spent_micro)",
        {"budget": {"limit_micro": "1000000", "spent_micro": "1000001"}}, "fail")
  f.group("add")
  note = "bigint_add/sub return an integer number; the reference returns a decimal string"
  f.add("bigint_add(1, 2) == 3", {}, "pass", note, divergence=True)
  f.add("bigint_add('1', '2') == 3", {}, "pass", note, divergence=True)
  f.add("bigint_add(1, 2) == '3'", {}, "pass",
        "an exact integer against a canonical integer string compares the integers (DESIGN 5); "
        "the reference compares the decimal string '3' with '3', also true")
  f.add("bigint_add(a, 1) == 9223372036854775808", {"a": "9223372036854775807"}, "pass",
        "promotes past 64 bits")
  f.add("bigint_add(a, b) == 0", {"a": "-5", "b": 5}, "pass")
  f.add("bigint_add(a, 1) > 0", {}, "error", "missing operand", divergence=True)
  f.add("bigint_add(a, 1) > 0", {"a": "1.5"}, "error", BAD_INPUT, divergence=True)
  f.add("bigint_add(1, 2)", {}, "error", "an integer is not a boolean final value")
  f.add("type_of(bigint_add(1, 2)) == 'number'", {}, "pass", note, divergence=True)
  f.add("bigint_add(1) == 1", {}, "error", "arity")
  f.group("sub")
  f.add("bigint_sub('10', '15') == -5", {}, "pass", note, divergence=True)
  f.add("bigint_sub(a, b) == 1", {"a": "100000000000000000000000000001",
                                  "b": "100000000000000000000000000000"}, "pass")
  f.add("bigint_sub(a, b) >= 0", {"a": "10", "b": "11"}, "fail")
  f.add("bigint_sub(a, b) >= 0", {"a": "10"}, "error", "missing operand", divergence=True)
  f.add("bigint_sub(a, b) == 0", {"a": "10", "b": "ten"}, "error", BAD_INPUT, divergence=True)
  f.add("bigint_gte(bigint_sub(a, b), 0)", {"a": "10", "b": "3"}, "pass", "results compose")
  f.group("sum")
  f.add("bigint_sum(a) == 6", {"a": [1, 2, 3]}, "pass")
  f.add("bigint_sum(a) == 3", {"a": ["1", "2"]}, "pass", "integer strings")
  f.add("bigint_sum(a) == 3", {"a": [1, None, "2"]}, "pass", "null elements are skipped")
  f.add("bigint_sum(a) == 0", {"a": []}, "pass", "bigint_sum([]) is 0")
  f.add("bigint_sum(a) == 18446744073709551614",
        {"a": ["9223372036854775807", "9223372036854775807"]}, "pass", "beyond 64 bits")
  f.add("bigint_sum(a) == 7", {"a": [1, 2, 3]}, "fail")
  f.add("bigint_sum(items, 'amount_micro') == 300",
        {"items": [{"amount_micro": "100"}, {"amount_micro": 200}]}, "pass")
  f.add("bigint_sum(items, 'amount_micro') == 100",
        {"items": [{"amount_micro": "100"}, {}, {"amount_micro": None}]}, "pass",
        "missing and null item fields are skipped")
  f.add("bigint_sum(items, 'cost.micro') == 30",
        {"items": [{"cost": {"micro": 10}}, {"cost": {"micro": "20"}}]}, "pass",
        "dotted field path")
  f.add("bigint_sum(items, 'amount_micro') == budget",
        {"items": [{"amount_micro": "400"}, {"amount_micro": "600"}], "budget": 1000}, "pass")
  f.add("bigint_sum(a) == 0", {"a": [1, 1.5]}, "error",
        "a non-integer element is an error; the reference makes the whole sum 0", divergence=True)
  f.add("bigint_sum(a) == 0", {"a": [1, "abc"]}, "error", BAD_INPUT, divergence=True)
  f.add("bigint_sum(a) == 0", {"a": [True]}, "error", BAD_INPUT, divergence=True)
  f.add("bigint_sum(items, 'amount_micro') == 0", {"items": [{"amount_micro": "1.0"}]},
        "error", BAD_INPUT, divergence=True)
  f.add("bigint_sum(a) == 0", {}, "error", "the array itself missing is an error")
  f.add("bigint_sum(a) == 0", {"a": None}, "error", "the array itself null is an error")
  f.add("bigint_sum(a) == 0", {"a": {"x": 1}}, "error", "the argument must be an array")
  f.add("bigint_sum(a) == 0", {"a": "123"}, "error", "the argument must be an array")
  f.add("bigint_sum(a, f) == 0", {"a": [], "f": "x"}, "error", "field must be a string literal")
  f.add("bigint_sum() == 0", {}, "error", "arity")
  f.add("bigint_sum(a, 'x', 'y') == 0", {"a": []}, "error", "arity")
  return f


def core():
  f = CorpusFile("builtins-core.jsonl", "core")
  f.group("eq")
  f.add("eq(a, b)", {"a": 1, "b": 1.0}, "pass", "eq(a, b) is a == b")
  f.add("eq(a, b)", {"a": "5", "b": 5}, "fail", "strict: no coercion")
  f.add("eq(a, b)", {"b": None}, "pass", "missing == null, never an error")
  f.add("eq(a, 1)", {}, "fail", "missing vs 1: false, not an error")
  f.add("eq(a, b)", {"a": {"x": [1]}, "b": {"x": [1]}}, "pass", "structural")
  f.add("eq(a, b)", {"a": "\u00e9", "b": "e\u0301"}, "fail", "no normalization")
  f.add("!eq(a, 'x')", {"a": "y"}, "pass")
  f.add("eq(a)", {"a": 1}, "error", "arity")
  f.group("len")
  f.add("len(a) == 3", {"a": [1, 2, 3]}, "pass")
  f.add("len(a) == 0", {"a": []}, "pass")
  f.add("len(a) == 2", {"a": "\U0001F600"}, "pass", "UTF-16 code units")
  f.add("len(a) == 3", {"a": "abc"}, "pass")
  f.add("len(a) == 2", {"a": {"x": 1, "y": None}}, "pass", "object key count")
  f.add("len(a) == 0", {"a": {}}, "pass")
  f.add("len(a) == 4", {"a": [1, 2, 3]}, "fail")
  f.add("len('') == 0", {}, "pass")
  f.add("len([1, 2]) == 2", {}, "pass")
  f.add("len(a) == 0", {}, "error", "missing is an error; the reference gives 0",
        divergence=True)
  f.add("len(a) == 0", {"a": None}, "error", "null is an error; the reference gives 0",
        divergence=True)
  f.add("len(a) == 0", {"a": 12345}, "error", "a number has no length; the reference gives 0",
        divergence=True)
  f.add("len(a) == 0", {"a": True}, "error", "a boolean has no length", divergence=True)
  f.add("len(a) == 0 || true", {}, "pass", "error absorbed")
  f.group("type-of")
  f.add("type_of(a) == 'undefined'", {}, "pass")
  f.add("type_of(a) == 'null'", {"a": None}, "pass")
  f.add("type_of(a) == 'boolean'", {"a": False}, "pass")
  f.add("type_of(a) == 'number'", {"a": 1.5}, "pass")
  f.add("type_of(a) == 'number'", {"a": 5}, "pass", "integers are numbers")
  f.add("type_of(a) == 'number'", {"a": 123456789012345678901234567890}, "pass",
        "big integers are numbers too, never 'bigint'", divergence=True)
  f.add("type_of(a) == 'bigint'", {"a": 123456789012345678901234567890}, "error",
        "type_of never returns 'bigint', so the comparison is a compile error", divergence=True,
        error_contains="never")
  f.add("type_of(a) == 'string'", {"a": "123"}, "pass", "a digit string is a string")
  f.add("type_of(a) == 'array'", {"a": []}, "pass")
  f.add("type_of(a) == 'object'", {"a": {}}, "pass")
  f.add("type_of(a) == 'object'", {"a": []}, "fail", "arrays are 'array'")
  f.add("type_of(a) == 'string'", {"a": 1}, "fail")
  f.add("type_of(a.b.c) == 'undefined'", {"a": 1}, "pass")
  f.add("type_of('x') == 'string'", {}, "pass")
  f.add("type_of(a)", {"a": 1}, "error", "a string is not a boolean final value")
  f.add("type_of(a, b) == 'null'", {}, "error", "arity")
  f.group("is-bigint-coercible")
  note = "a predicate: never an error"
  for value, result in [(5, True), ("5", True), ("-0", True), ("007", True), (-12, True),
                        ("123456789012345678901234567890", True),
                        (1.5, False), ("1.5", False), ("", False), (" 1", False), ("+5", False),
                        ("1e3", False), (True, False), ([1], False), ({}, False), (None, False),
                        ("9" * 4097, False)]:
    f.add("is_bigint_coercible(a)", {"a": value}, "pass" if result else "fail", note)
  f.add("is_bigint_coercible(a)", {}, "fail", note + ": missing is false")
  f.add("!is_bigint_coercible(a)", {}, "pass", note)
  f.add("is_bigint_coercible()", {}, "error", "arity")
  return f


def collections():
  f = CorpusFile("builtins-collections.jsonl", "coll")
  f.group("unique-values")
  f.add("unique_values(items, 'id')", {"items": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}, "pass")
  f.add("unique_values(items, 'id')", {"items": [{"id": "a"}, {"id": "b"}, {"id": "a"}]}, "fail")
  f.add("unique_values(items, 'id')", {"items": []}, "pass", "empty array")
  f.add("unique_values(items, 'meta.id')",
        {"items": [{"meta": {"id": 1}}, {"meta": {"id": 2}}]}, "pass", "dotted field")
  f.add("unique_values(items, 'meta.id')",
        {"items": [{"meta": {"id": 1}}, {"meta": {"id": 1}}]}, "fail", "dotted field")
  f.add("unique_values(items, 'id')", {"items": [{"id": 1}, 5, "x", {"id": 2}]}, "pass",
        "non-object items are skipped")
  f.add("unique_values(items, 'id')", {"items": [{"id": 1}, {}, {}]}, "pass",
        "items lacking the field are skipped (no collision between them)")
  f.add("unique_values(items, 'id')", {"items": [{"id": 1}, {"id": 1.0}]}, "fail",
        "1 == 1.0: duplicates")
  f.add("unique_values(items, 'id')", {"items": [{"id": 1}, {"id": "1"}]}, "pass",
        "1 and '1' are distinct")
  f.add("unique_values(items, 'id')", {"items": [{"id": [1]}, {"id": [1]}]}, "fail",
        "structural ==")
  f.add("unique_values(items, 'id')", {}, "error",
        "missing array is an error; the reference returns true", divergence=True)
  f.add("unique_values(items, 'id')", {"items": None}, "error", "null array is an error",
        divergence=True)
  f.add("unique_values(items, 'id')", {"items": {"id": 1}}, "error",
        "a non-array is an error; the reference returns true", divergence=True)
  f.add("unique_values(items)", {"items": []}, "error", "arity")
  f.add("unique_values(items, field)", {"items": [], "field": "id"}, "error",
        "field must be a string literal")
  f.group("unique")
  note = "unique(xs, 'field') states uniqueness directly (an extension)"
  f.add("unique(items, 'id')", {"items": [{"id": "a"}, {"id": "b"}]}, "pass", note)
  f.add("unique(items, 'id')", {"items": [{"id": "a", "v": 1}, {"id": "a", "v": 2}]}, "fail",
        note)
  f.add("unique(items, 'id')", {"items": [{"id": "a", "v": 1}, {"id": "a", "v": 1}]}, "fail",
        "exact duplicate entries are duplicates (the every/eq idiom cannot see them here)")
  f.add("unique(items, 'id')", {"items": []}, "pass", "empty array")
  f.add("unique(items, 'id')", {"items": [{"id": 1}, {"id": 1.0}]}, "fail", "1 == 1.0")
  f.add("unique(items, 'id')", {"items": [{"id": 1}, {"id": "1"}]}, "pass",
        "1 and '1' are distinct")
  f.add("unique(items, 'meta.id')", {"items": [{"meta": {"id": 1}}, {"meta": {"id": 2}}]},
        "pass", "dotted field")
  f.add("unique(items, 'meta.id')", {"items": [{"meta": {"id": [1]}}, {"meta": {"id": [1]}}]},
        "fail", "structural ==")
  f.add("unique(xs)", {"xs": [1, 2, 3]}, "pass", "without a field: the elements themselves")
  f.add("unique(xs)", {"xs": [{"a": 1}, {"a": 1}]}, "fail", "structural ==")
  f.add("unique(xs)", {"xs": [None, None]}, "fail", "null == null")
  f.add("unique(items, 'id')", {"items": [{"id": "a"}, {"name": "b"}]}, "error",
        "an element without the field cannot be checked", error_contains="has no")
  f.add("unique(items, 'id')", {"items": [{"id": "a"}, {"id": None}]}, "error",
        "a null id cannot be checked", error_contains="has no")
  f.add("unique(items, 'id')", {"items": [{"id": "a"}, "b"]}, "error",
        "an element that is not an object", error_contains="must be an object")
  f.add("unique(items, 'id')", {}, "error", "missing array", error_contains="must be an array")
  f.add("unique(items, 'id')", {"items": {"id": 1}}, "error", "not an array")
  f.add("unique(items, field)", {"items": [], "field": "id"}, "error",
        "field must be a string literal")
  f.add("unique(items, 'id') || true", {}, "pass", "error absorbed")
  f.group("object-keys-subset")
  f.add("object_keys_subset(r, ['a', 'b'])", {"r": {"a": 1}}, "pass")
  f.add("object_keys_subset(r, ['a', 'b'])", {"r": {"a": 1, "b": 2}}, "pass")
  f.add("object_keys_subset(r, ['a', 'b'])", {"r": {"a": 1, "c": 2}}, "fail")
  f.add("object_keys_subset(r, ['a'])", {"r": {}}, "pass", "empty record")
  f.add("object_keys_subset(r, allowed)", {"r": {"x": 1}, "allowed": ["x", "y"]}, "pass")
  f.add("object_keys_subset(r, allowed)", {"r": {"x": 1}, "allowed": []}, "fail")
  f.add("object_keys_subset(r, allowed)", {"r": {"x": None}, "allowed": ["y"]}, "fail",
        "keys count even when their value is null")
  f.add("object_keys_subset(r, ['a'])", {"r": 5}, "error",
        "record not an object is an error; the reference returns true", divergence=True)
  f.add("object_keys_subset(r, ['a'])", {}, "error", "record missing", divergence=True)
  f.add("object_keys_subset(r, ['a'])", {"r": ["a"]}, "error", "an array is not a record",
        divergence=True)
  f.add("object_keys_subset(r, allowed)", {"r": {"a": 1}}, "error",
        "list missing is an error; the reference returns false", divergence=True)
  f.add("object_keys_subset(r, allowed)", {"r": {"a": 1}, "allowed": "a"}, "error",
        "list must be an array", divergence=True)
  f.add("object_keys_subset(r)", {"r": {}}, "error", "arity")
  return f


def time():
  f = CorpusFile("builtins-time.jsonl", "time")
  f.group("is-after")
  f.add("is_after('2024-01-02', '2024-01-01')", {}, "pass",
        "date-only form; the reference reads only YYYY-MM-DDTHH:MM:SS… and returns false",
        divergence=True)
  f.add("is_after(a, b)", {"a": "2024-02-01T00:00:00Z", "b": "2024-01-01T00:00:00Z"}, "pass")
  f.add("is_after(a, b)", {"a": "2024-01-01T00:00:00Z", "b": "2024-01-01T00:00:00Z"}, "fail",
        "strict")
  f.add("is_after(a, b)", {"a": "2024-01-01T10:00:00+02:00", "b": "2024-01-01T09:00:00Z"},
        "fail", "08:00Z is before 09:00Z")
  f.add("is_after(a, b)", {"a": "2024-01-01T00:00:00.5Z", "b": "2024-01-01T00:00:00Z"}, "pass",
        "fractional seconds")
  f.add("is_after(a, b)", {"a": "2024-01-01T10:00", "b": "2024-01-01T09:59:59Z"}, "pass",
        "HH:MM form, no offset is UTC; the reference reads local time", divergence=True)
  f.add("is_after(a, b)", {"a": "2024-01-01T00:00:00-05:00", "b": "2024-01-01T04:59:59Z"}, "pass",
        "negative offset: 05:00Z")
  f.add("is_after(a, b)", {"a": "2024-13-01", "b": "2024-01-01"}, "error",
        "invalid month; the reference returns false", divergence=True)
  f.add("is_after(a, b)", {"a": "yesterday", "b": "2024-01-01"}, "error",
        "not a timestamp", divergence=True)
  f.add("is_after(a, b)", {"b": "2024-01-01"}, "error", "missing timestamp", divergence=True)
  f.add("is_after(a, b)", {"a": 1704067200, "b": "2024-01-01"}, "error",
        "a number is not a timestamp", divergence=True)
  f.add("is_after(a)", {"a": "2024-01-01"}, "error", "arity")
  f.group("is-before")
  f.add("is_before(a, b)", {"a": "2024-01-01T00:00:00Z", "b": "2024-02-01T00:00:00Z"}, "pass")
  f.add("is_before(a, b)", {"a": "2024-01-01T00:00:00Z", "b": "2024-01-01T00:00:00Z"}, "fail",
        "strict")
  f.add("is_before(a, b)", {"a": "2024-01-01T10:00:00+02:00", "b": "2024-01-01T09:00:00Z"},
        "pass", "offsets are applied")
  f.add("is_before(a, b)", {"a": "2024-01-01T23:30:00-01:00", "b": "2024-01-02"}, "fail",
        "00:30Z on Jan 2 is after midnight")
  f.add("is_before(a, b)", {"a": "2024/01/01", "b": "2024-01-02"}, "error", "not ISO 8601",
        divergence=True)
  f.add("is_before(a, b)", {"a": "", "b": "2024-01-02"}, "error", "empty string",
        divergence=True)
  f.add("is_before(a, b)", {"a": None, "b": "2024-01-02"}, "error", "null", divergence=True)
  f.group("is-between")
  lo, hi = "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"
  f.add("is_between(v, lo, hi)", {"v": "2024-01-15T00:00:00Z", "lo": lo, "hi": hi}, "pass")
  f.add("is_between(v, lo, hi)", {"v": lo, "lo": lo, "hi": hi}, "pass", "inclusive lower")
  f.add("is_between(v, lo, hi)", {"v": hi, "lo": lo, "hi": hi}, "pass", "inclusive upper")
  f.add("is_between(v, lo, hi)", {"v": "2023-12-31T23:59:59Z", "lo": lo, "hi": hi}, "fail")
  f.add("is_between(v, lo, hi)", {"v": "2024-02-01T00:00:00.001Z", "lo": lo, "hi": hi}, "fail")
  f.add("is_between(v, lo, hi)", {"v": "2024-01-01T01:00:00+01:00", "lo": lo, "hi": hi}, "pass",
        "equal instant to the lower bound")
  f.add("is_between(v, lo, hi)",
        {"v": "2024-01-01T12:00:00", "lo": "2024-01-01T12:00:00Z", "hi": "2024-01-01T12:00:00Z"},
        "pass", "no offset is read as UTC; the reference reads local time", divergence=True)
  f.add("is_between(v, lo, hi)", {"v": "2024-01-15", "lo": lo}, "error", "missing bound",
        divergence=True)
  f.add("is_between(v, lo)", {"v": lo, "lo": lo}, "error", "arity")
  f.group("utc")
  note = "a timestamp without offset is UTC; the reference reads it as local time"
  f.add("is_before(a, b)", {"a": "2024-01-01T10:00:00", "b": "2024-01-01T10:00:01Z"}, "pass",
        note, divergence=True)
  f.add("is_after(a, b)", {"a": "2024-06-01T00:00:00", "b": "2024-05-31T23:59:59Z"}, "pass",
        note, divergence=True)
  f.add("!is_after(a, b) && !is_before(a, b)",
        {"a": "2024-01-01T00:00", "b": "2024-01-01T00:00:00+00:00"}, "pass", note,
        divergence=True)
  f.group("is-stale")
  ts, ref = "2024-01-01T00:00:00Z", "2024-01-01T02:00:00Z"
  f.add("is_stale(ts, 3600, ref)", {"ts": ts, "ref": ref}, "pass", "7200 s > 3600 s")
  f.add("is_stale(ts, 7200, ref)", {"ts": ts, "ref": ref}, "fail", "exactly the max age: not stale")
  f.add("is_stale(ts, 10000, ref)", {"ts": ts, "ref": ref}, "fail")
  f.add("is_stale(ts, 0.5, ref)", {"ts": "2024-01-01T00:00:00Z", "ref": "2024-01-01T00:00:01Z"},
        "pass", "a decimal max age")
  f.add("is_stale(ts, 60, ref)", {"ts": ref, "ref": ts}, "fail", "a future timestamp is not stale")
  f.add("is_stale(ts, 60)", {"ts": "2024-06-01T11:50:00Z"}, "pass",
        "the reference time defaults to the context's now", now="2024-06-01T12:00:00Z")
  f.add("is_stale(ts, 600)", {"ts": "2024-06-01T11:50:00Z"}, "fail",
        "600 s exactly is not stale", now="2024-06-01T12:00:00Z")
  f.add("is_stale(ts, -1, ref)", {"ts": ts, "ref": ref}, "error",
        "negative max age; the reference returns false", divergence=True)
  f.add("is_stale(ts, m, ref)", {"ts": ts, "ref": ref, "m": "3600"}, "error",
        "max age must be a number", divergence=True)
  f.add("is_stale(ts, 3600, ref)", {"ts": "not a date", "ref": ref}, "error",
        "invalid timestamp", divergence=True)
  f.add("is_stale(ts, 3600, ref)", {"ref": ref}, "error", "missing timestamp", divergence=True)
  f.add("is_stale(ts)", {"ts": ts}, "error", "arity")
  f.group("is-within")
  f.add("is_within(ts, 7200, ref)", {"ts": ts, "ref": ref}, "pass", "exactly the max age: within")
  f.add("is_within(ts, 3600, ref)", {"ts": ts, "ref": ref}, "fail")
  f.add("is_within(ts, 60, ref)", {"ts": ref, "ref": ts}, "pass", "negative age is within")
  f.add("is_within(ts, 600)", {"ts": "2024-06-01T11:50:00Z"}, "pass",
        "defaults to the context's now", now="2024-06-01T12:00:00Z")
  f.add("is_within(ts, 599)", {"ts": "2024-06-01T11:50:00Z"}, "fail",
        now="2024-06-01T12:00:00Z")
  f.add("is_within(ts, 86400, ref)", {"ts": "2024-01-01T23:00:00-02:00",
                                      "ref": "2024-01-02T01:00:00Z"}, "pass", "offsets applied")
  f.add("is_within(ts, -5, ref)", {"ts": ts, "ref": ref}, "error", "negative max age",
        divergence=True)
  f.add("is_within(ts, 60, ref)", {"ts": ts, "ref": 5}, "error", "reference must be a timestamp",
        divergence=True)
  f.group("now")
  now = "2024-06-01T12:00:00Z"
  f.add("now() == '2024-06-01T12:00:00Z'", {}, "pass", "the context's evaluation timestamp",
        now=now)
  f.add("now() == t", {"t": now}, "pass", now=now)
  f.add("is_after(now(), '2024-06-01T11:59:59Z')", {}, "pass", now=now)
  f.add("is_after(now(), '2024-06-01T12:00:00Z')", {}, "fail", now=now)
  f.add("is_after(expires_at, now())", {"expires_at": "2024-06-01T11:00:00Z"}, "fail", now=now)
  f.add("type_of(now()) == 'string'", {}, "pass", now=now)
  f.add("is_after(now(), '2020-01-01T00:00:00Z')", {}, "pass", "no context time: the wall clock")
  f.add("now(1) == 'x'", {}, "error", "arity")
  f.add("now()", {}, "error", "a string is not a boolean final value", now=now)
  f.group("forms")
  note = "read here; the reference's Date parsing gives NaN, so false"
  f.add("is_before(a, b)", {"a": "2024-01-01", "b": "2024-01-02"}, "pass",
        "date-only is UTC midnight; " + note, divergence=True)
  f.add("is_between(v, lo, hi)", {"v": "2024-01-15", "lo": "2024-01-01", "hi": "2024-02-01"},
        "pass", "date-only; " + note, divergence=True)
  f.add("is_before(a, b)", {"a": "2024-01-01T10:00Z", "b": "2024-01-01T10:01Z"}, "pass",
        "minute precision with Z; " + note, divergence=True)
  f.add("is_after(a, b)", {"a": "2024-01-01T10:00+01:00", "b": "2024-01-01T08:59:59Z"}, "pass",
        "minute precision with an offset; " + note, divergence=True)
  f.add("is_within(ts, 60, ref)", {"ts": "2024-01-01T10:00Z", "ref": "2024-01-01T10:01Z"},
        "pass", "minute precision; " + note, divergence=True)
  f.add("is_before(a, b)", {"a": "2024-01-01T10:00:00Z", "b": "2024-01-01T10:00:00.001Z"},
        "pass", "seconds with a fraction and Z: both read it")
  f.add("is_after(a, b)", {"a": "2024-01-01T10:00:00+00:00", "b": "2024-01-01T10:00:00Z"},
        "fail", "seconds with an offset: both read it")
  f.add("is_before(a, b)", {"a": "2024-01-01 10:00:00Z", "b": "2024-01-02"}, "error",
        "a space instead of T is not read by either", divergence=True)
  f.add("is_before(a, b)", {"a": "2024-01-01T10Z", "b": "2024-01-02"}, "error",
        "hours alone are not read by either", divergence=True)
  f.add("is_before(a, b)", {"a": "2024-01-01T10:00:00.1234567890Z", "b": "2024-01-02"},
        "error", "more than nine fraction digits; the reference truncates to milliseconds",
        divergence=True)
  f.add("is_before(a, b)",
        {"a": "2024-01-01T10:00:00.0001Z", "b": "2024-01-01T10:00:00.0002Z"}, "pass",
        "sub-millisecond digits count here; the reference truncates both to the same "
        "millisecond, so false", divergence=True)
  f.add("is_before(a, b)", {"a": "2024-01-01T10:00:00z", "b": "2024-01-02"}, "error",
        "a lowercase z; the reference's Date reads it", divergence=True)
  f.add("is_before(a, b)", {"a": "2024-01-01T10:00:00+0100", "b": "2024-01-02"}, "error",
        "an offset without a colon; the reference's Date reads it", divergence=True)
  f.add("is_before(a, b)", {"a": "2024-02-30T10:00:00Z", "b": "2024-03-02"}, "error",
        "February 30 is range-checked here; the reference rolls it over to March 1",
        divergence=True)
  f.add("is_before(a, b)", {"a": "2024-01-01T24:00:00Z", "b": "2024-01-03"}, "error",
        "hour 24; the reference reads the next midnight", divergence=True)
  return f


ALL = [bigint, core, collections, time]
