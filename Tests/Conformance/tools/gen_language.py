"""Conformance cases for the core language (literals … limits)."""
from corpus import CorpusFile, N

MISSING_NOTE = "missing operand is an error, not false (DESIGN 4)"


def literals():
  f = CorpusFile("literals.jsonl", "lit")
  f.group("bool")
  f.add("true", {}, "pass", "literal true")
  f.add("false", {}, "fail", "literal false")
  f.add("(true)", {}, "pass")
  f.add("true == true", {}, "pass")
  f.add("true != false", {}, "pass")
  f.add("false == false", {}, "pass")
  f.group("final-non-boolean")
  note = "a rule's final value must be a boolean (DESIGN 5)"
  f.add("null", {}, "error", note + "; the reference treats null as false", divergence=True)
  f.add("42", {}, "error", note + "; the reference treats 42 as true", divergence=True)
  f.add("0", {}, "error", note + "; no truthiness", divergence=True)
  f.add("'yes'", {}, "error", note + "; no truthiness", divergence=True)
  f.add("''", {}, "error", note + "; no truthiness", divergence=True)
  f.add("[1, 2]", {}, "error", note + "; no truthiness", divergence=True)
  f.add("[]", {}, "error", note + "; no truthiness ([] is truthy in the reference)",
        divergence=True)
  f.group("number")
  f.add("42 == 42", {}, "pass")
  f.add("42 == 43", {}, "fail")
  f.add("3.14 == 3.14", {}, "pass")
  f.add("3.14 == 3.140", {}, "pass", "exact decimal value, trailing zeros irrelevant (DESIGN 6)")
  f.add("1.0 == 1", {}, "pass", "LANGUAGE.md: 1.0 == 1")
  f.add("0 == 0.0", {}, "pass")
  f.add("-0.0 == 0", {}, "pass", "LANGUAGE.md: -0.0 == 0")
  f.add("-0 == 0", {}, "pass")
  f.add("-1 < 0", {}, "pass", "unary minus on a literal (extension)")
  f.add("- 1 == -1", {}, "pass", "whitespace after unary minus")
  f.add("1.5 > 1", {}, "pass")
  f.add("0.000000000000000000000000001 > 0", {}, "pass", "27 fractional digits, exact")
  f.add("123456789012345678901234567890 > 123456789012345678901234567889", {}, "pass",
        "integer literals of any size (DESIGN 6)")
  f.add("123456789012345678901234567890 == 123456789012345678901234567890.0", {}, "pass")
  f.add("a == 42", {"a": 42}, "pass")
  f.add("a == 0.5", {"a": 0.5}, "pass")
  f.add("a == 12345678901234567890123", {"a": 12345678901234567890123}, "pass",
        "JSON integer beyond 64 bits read exactly")
  f.add("a == 0.30000000000000000001", {"a": N("0.30000000000000000001")}, "pass",
        "JSON decimal read from its digits, never via Double (DESIGN 6)")
  f.add("a == 0.3", {"a": N("0.30000000000000000001")}, "fail",
        "exact: a Double reader would make these equal")
  f.add("a == 9007199254740993", {"a": 9007199254740993}, "pass", "2^53 + 1, not representable as Double")
  f.add("a == 9007199254740992", {"a": 9007199254740993}, "fail", "2^53 + 1 != 2^53")
  f.group("string")
  f.add("'abc' == 'abc'", {}, "pass")
  f.add("'abc' == 'abd'", {}, "fail")
  f.add("'' == ''", {}, "pass")
  f.add("a == 'x y'", {"a": "x y"}, "pass", "spaces inside a string literal are kept")
  f.add("a == 'true'", {"a": True}, "fail", "string 'true' is not the boolean true")
  f.group("null")
  f.add("null == null", {}, "pass")
  f.add("a == null", {"a": None}, "pass")
  f.add("null != null", {}, "fail")
  f.group("array")
  f.add("[1, 2] == [1, 2]", {}, "pass", "arrays compare structurally (DESIGN 5)")
  f.add("[1, 2] == [2, 1]", {}, "fail", "order matters")
  f.add("[] == []", {}, "pass")
  f.add("['a'] != ['a']", {}, "fail")
  f.add("[1, 'a'] == a", {"a": [1, "a"]}, "pass", "array literal of a number and a string")
  f.add("[a, b] == [1, 2]", {"a": 1, "b": 2}, "pass", "array literal elements may be field paths")
  f.add("[a, 'x', 3] == c", {"a": 1, "c": [1, "x", 3]}, "pass")
  f.add("[1, 2] == [1, 2, 3]", {}, "fail")
  f.group("identifier")
  f.add("TRUE == null", {}, "pass", "TRUE is an identifier (a missing field), not a keyword")
  f.add("True == 1", {"True": 1}, "pass", "keywords are lowercase; True is a field")
  f.add("true_value == 1", {"true_value": 1}, "pass", "identifier starting with a keyword")
  f.add("null_count == 0", {"null_count": 0}, "pass")
  f.add("len == 3", {"len": 3}, "pass", "a builtin name not followed by ( is a field")
  f.add("now == 'x'", {"now": "x"}, "pass", "a builtin name not followed by ( is a field")
  f.add("_x == 1", {"_x": 1}, "pass", "identifiers may start with _")
  f.add("a1_b2 == 2", {"a1_b2": 2}, "pass")
  return f


def paths():
  f = CorpusFile("paths.jsonl", "path")
  billing = {
    "budget": {"limit_micro": 1000000, "spent_micro": 250000, "owner": {"id": "org-1"}},
    "entries": [{"amount_micro": 100, "tags": ["a"]}, {"amount_micro": 200, "tags": []}],
    "state": "open",
    "flag": True,
    "nothing": None,
  }
  f.group("field")
  f.add("state == 'open'", billing, "pass")
  f.add("flag", billing, "pass", "a boolean field is a rule on its own")
  f.add("budget.limit_micro == 1000000", billing, "pass")
  f.add("budget.limit_micro > budget.spent_micro", billing, "pass")
  f.add("budget.owner.id == 'org-1'", billing, "pass")
  f.add("budget.owner.id == 'org-2'", billing, "fail")
  f.group("index")
  f.add("entries[0].amount_micro == 100", billing, "pass")
  f.add("entries[1].amount_micro == 200", billing, "pass")
  f.add("entries[0].tags == ['a']", billing, "pass")
  f.add("entries[1].tags.length == 0", billing, "pass")
  f.add("entries[2] == null", billing, "pass", "index out of range is missing")
  f.add("entries[2].amount_micro == null", billing, "pass", "anything under missing is missing")
  f.add("budget[0] == null", billing, "pass", "index of a non-array is missing")
  f.add("state[0] == null", billing, "pass", "index of a string is missing (not a character)")
  f.add("a[0] == 5", {"a": [5]}, "pass")
  f.add("a[0] == 5", {"a": [[5]]}, "fail")
  f.add("a[0] == [5]", {"a": [[5]]}, "pass")
  f.add("a.b[1].c == 'z'", {"a": {"b": [{"c": "y"}, {"c": "z"}]}}, "pass")
  f.add("entries[2].amount_micro > 0", billing, "error", MISSING_NOTE, error_contains="missing")
  f.group("missing")
  f.add("budget.nope == null", billing, "pass", "missing == null (DESIGN 4)")
  f.add("budget.nope != null", billing, "fail")
  f.add("state.length_x == null", billing, "pass", "member of a string is missing")
  f.add("budget.limit_micro.x == null", billing, "pass", "member of a number is missing")
  f.add("nothing.x == null", billing, "pass", "anything under null is missing")
  f.add("nothing.x.y.z == null", billing, "pass")
  f.add("budget.nope > 0", billing, "error", MISSING_NOTE, error_contains="missing",
        divergence=True)
  f.add("nope", {}, "error", "a missing final value is not a boolean (no truthiness)",
        divergence=True)
  f.add("nothing", billing, "error", "a null final value is not a boolean", divergence=True)
  f.group("missing-vs-null")
  f.add("type_of(nothing) == 'null'", billing, "pass", "null is distinct from missing (DESIGN 4)")
  f.add("type_of(nope) == 'undefined'", billing, "pass")
  f.add("type_of(nothing.x) == 'undefined'", billing, "pass", "under null is missing, not null")
  f.add("nothing == nope", billing, "pass", "null == missing")
  f.add("eq(nothing, nope)", billing, "pass")
  f.add("nothing > 0", billing, "error", "ordering on null is an error (DESIGN 4)",
        divergence=True)
  f.group("non-object-snapshot")
  note = "a non-object snapshot sees every field as missing"
  f.add("a == null", [1, 2], "pass", note)
  f.add("a == null", 5, "pass", note)
  f.add("a == null", "text", "pass", note)
  f.add("a == null", None, "pass", note)
  f.add("a == null", True, "pass", note)
  f.add("a > 0", [1, 2], "error", note + "; ordering on missing is an error")
  f.add("true", [1], "pass", "a rule that reads no field does not care about the snapshot")
  f.add("length == null", [1, 2, 3], "pass", "top-level field named length on an array snapshot is missing")
  f.group("length")
  f.add("entries.length == 2", billing, "pass")
  f.add("state.length == 4", billing, "pass")
  f.add("budget.length == 3", billing, "error",
        ".length of an object is an error (LANGUAGE.md); the reference gives 0",
        divergence=True)
  f.add("nope.length == 0", billing, "error", "missing.length is an error, reference gives 0",
        error_contains="missing", divergence=True)
  f.add("nothing.length == 0", billing, "error", "null.length is an error", divergence=True)
  f.add("budget.limit_micro.length == 7", billing, "error", ".length of a number is an error",
        divergence=True)
  f.add("flag.length == 0", billing, "error", ".length of a boolean is an error",
        divergence=True)
  f.add("obj.length == 3", {"obj": {"length": 3}}, "error",
        "trailing .length is the length operator, and objects have none")
  f.add("o.length == 0", {"o": {}}, "error",
        ".length of an object is an error; the reference gives 0, so true there",
        divergence=True)
  f.add("len(o) == 2", {"o": {"a": 1, "b": 2}}, "pass", "len counts an object's keys (both)")
  f.group("previous-field")
  f.add("_previous.a == 1", {"_previous": {"a": 1}}, "pass", "_previous is an ordinary path too")
  f.add("_previous.a == null", {}, "pass")
  return f


def equality():
  f = CorpusFile("equality.jsonl", "eq")
  f.group("null-missing")
  f.add("a == null", {}, "pass", "missing == null (DESIGN 4)")
  f.add("a == null", {"a": None}, "pass")
  f.add("a != null", {}, "fail", "x != null false for missing (DESIGN 4)")
  f.add("a != null", {"a": None}, "fail")
  f.add("a == b", {}, "pass", "missing == missing")
  f.add("a == b", {"a": None}, "pass", "null == missing")
  f.add("a == null", {"a": 0}, "fail")
  f.add("a == null", {"a": ""}, "fail")
  f.add("a == null", {"a": False}, "fail")
  f.add("a == null", {"a": []}, "fail")
  f.add("a == null", {"a": {}}, "fail")
  f.add("a != null", {"a": 0}, "pass")
  f.add("a == b", {"b": 0}, "fail", "missing vs 0 is unequal, never an error")
  f.add("a != b", {"b": 0}, "pass")
  f.add("null == a", {"a": "x"}, "fail")
  f.group("cross-type")
  note = "equality across types is false (DESIGN 5)"
  f.add("a == b", {"a": "5", "b": 5}, "fail", note)
  f.add("a != b", {"a": "5", "b": 5}, "pass", note)
  f.add("a == b", {"a": 1, "b": True}, "fail", note)
  f.add("a == b", {"a": 0, "b": False}, "fail", note)
  f.add("a == b", {"a": "", "b": False}, "fail", note)
  f.add("a == b", {"a": [], "b": {}}, "fail", note)
  f.add("a == b", {"a": [1], "b": 1}, "fail", note)
  f.add("a == b", {"a": "null", "b": None}, "fail", note)
  f.add("a == 5", {"a": "5"}, "fail", note)
  f.group("number")
  f.add("a == b", {"a": 1, "b": 1.0}, "pass", "numbers by exact value")
  f.add("a == b", {"a": 1, "b": 1.00}, "pass")
  f.add("a == b", {"a": 100000000000000000000, "b": N("100000000000000000000.0")}, "pass")
  f.add("a == b", {"a": 0.1, "b": N("0.10000000000000001")}, "fail", "exact decimals, not Doubles")
  f.add("a == 0", {"a": -0.0}, "pass", "-0.0 == 0")
  f.add("a != b", {"a": 2, "b": 3}, "pass")
  f.add("a == -7", {"a": -7}, "pass")
  f.group("string")
  f.add("a == 'x'", {"a": "X"}, "fail", "case-sensitive")
  f.add("a == b", {"a": "caf\u00e9", "b": "caf\u00e9"}, "pass")
  f.add("a == ' x'", {"a": "x"}, "fail", "whitespace is significant")
  f.group("bool")
  f.add("a == true", {"a": True}, "pass")
  f.add("a == false", {"a": True}, "fail")
  f.add("a != false", {"a": True}, "pass")
  f.group("structural")
  note = ("arrays and objects compare structurally, not by identity (DESIGN 5); the reference "
          "compares distinct arrays and objects by identity, so never equal")
  f.add("a == b", {"a": [1, 2], "b": [1, 2]}, "pass", note, divergence=True)
  f.add("a == b", {"a": [1, 2], "b": [1, 2, 3]}, "fail", note)
  f.add("a == b", {"a": [1, 2], "b": [2, 1]}, "fail", note)
  f.add("a == b", {"a": {"x": 1, "y": 2}, "b": {"y": 2, "x": 1}}, "pass",
        note + "; key order irrelevant", divergence=True)
  f.add("a == b", {"a": {"x": 1}, "b": {"x": 1, "y": 2}}, "fail", note)
  f.add("a == b", {"a": {"x": 1}, "b": {"x": 2}}, "fail", note)
  f.add("a == b", {"a": {"x": [1, {"y": "z"}]}, "b": {"x": [1, {"y": "z"}]}}, "pass", note)
  f.add("a == b", {"a": [1.0, 2.50], "b": [1, 2.5]}, "pass", "numbers inside arrays by exact value")
  f.add("a == b", {"a": [None], "b": [None]}, "pass")
  f.add("a == b", {"a": {}, "b": {}}, "pass")
  f.add("a == b", {"a": [[1], [2]], "b": [[1], [2]]}, "pass")
  f.add("a == b", {"a": ["1"], "b": [1]}, "fail", "cross-type inside arrays")
  f.add("a != b", {"a": {"k": [1]}, "b": {"k": [1]}}, "fail")
  f.add("a == [1, 'x']", {"a": [1, "x"]}, "pass")
  f.group("identity")
  idiom = "xs.every(p => xs.every(q => !eq(q.id, p.id) || eq(q, p)))"
  f.add(idiom, {"xs": [{"id": "a", "v": 1}, {"id": "b", "v": 1}]}, "pass",
        "the corpus's unique-ids idiom: distinct ids")
  f.add(idiom, {"xs": [{"id": "a", "v": 1}, {"id": "a", "v": 2}]}, "fail",
        "two entries sharing an id: both engines reject them")
  f.add(idiom, {"xs": [{"id": "a", "v": 1}, {"id": "a", "v": 1}]}, "pass",
        "exact duplicate entries are eq here (structural), so the idiom accepts them; the "
        "reference (identity) rejects them. unique(xs, 'id') states the rule directly",
        divergence=True)
  f.add("unique(xs, 'id')", {"xs": [{"id": "a", "v": 1}, {"id": "a", "v": 1}]}, "fail",
        "the builtin that states uniqueness rejects exact duplicates")
  f.add("eq(a, b)", {"a": {"k": [1]}, "b": {"k": [1]}}, "pass",
        "eq is structural here, identity in the reference", divergence=True)
  f.add("eq(a, b)", {"a": {"k": 1}, "b": {"k": 2}}, "fail")
  f.add("eq(a, b, c)", {}, "error", "arity")
  f.group("eq-null")
  note = ("eq(a, b) is a == b: null and missing are equal here; the reference's eq is "
          "JavaScript ===, where null !== undefined")
  f.add("eq(a, null)", {}, "pass", note, divergence=True)
  f.add("eq(a, b)", {"b": None}, "pass", note, divergence=True)
  f.add("eq(a, null)", {"a": None}, "pass", "null is null in both")
  f.add("eq(a, null)", {"a": 0}, "fail")
  f.add("a == null", {}, "pass", "== null treats missing as null in both")
  f.add("eq(a, 1) || eq(a, null)", {"a": "x"}, "fail")
  f.add("eq(s, 5)", {"s": "x"}, "error", "eq is ==: a constant comparison is a compile error",
        types={"s": "string"}, divergence=True)
  f.group("never-errors")
  f.add("(a == 1) == false", {"a": "x"}, "pass", "== never errors")
  f.add("a.b.c == 1", {"a": 5}, "fail", "navigation is lenient, == never errors")
  f.add("(a != 1) && true", {}, "pass", "missing != 1 is true")
  return f


def ordering():
  f = CorpusFile("ordering.jsonl", "ord")
  f.group("number")
  f.add("1 < 2", {}, "pass")
  f.add("2 < 1", {}, "fail")
  f.add("1 < 1", {}, "fail")
  f.add("1 <= 1", {}, "pass")
  f.add("2 <= 1", {}, "fail")
  f.add("2 > 1", {}, "pass")
  f.add("1 > 1", {}, "fail")
  f.add("1 >= 1", {}, "pass")
  f.add("0 >= 1", {}, "fail")
  f.add("1.5 < 2", {}, "pass")
  f.add("-1 < 0", {}, "pass")
  f.add("-2 < -1", {}, "pass")
  f.add("1.0 <= 1", {}, "pass")
  f.add("0.1 + 0.2 <= 0.3", {}, "pass", "exact decimals (DESIGN 6)")
  f.add("0.1 + 0.2 >= 0.3", {}, "pass")
  f.add("a > b", {"a": N("10000000000000000000000.1"), "b": 10000000000000000000000}, "pass")
  f.add("a < b", {"a": 18446744073709551615, "b": 18446744073709551616}, "pass", "beyond 64 bits")
  f.add("a < b", {"a": -18446744073709551616, "b": -18446744073709551615}, "pass")
  f.add("a >= b", {"a": N("0.30000000000000000001"), "b": 0.3}, "pass")
  f.add("a > b", {"a": N("0.30000000000000000001"), "b": 0.3}, "pass")
  f.add("budget.limit_micro >= budget.spent_micro",
        {"budget": {"limit_micro": 1000000, "spent_micro": 1000001}}, "fail")
  f.group("string")
  f.add("'a' < 'b'", {}, "pass")
  f.add("'B' < 'a'", {}, "pass", "by code point: uppercase before lowercase")
  f.add("'abc' >= 'abc'", {}, "pass")
  f.add("'' < 'a'", {}, "pass")
  f.add("'a' < 'aa'", {}, "pass", "a prefix sorts first")
  f.add("'b' > 'abc'", {}, "pass")
  f.add("'10' < '9'", {}, "pass", "strings are not numbers")
  f.add("a > 'z'", {"a": "\u00e9"}, "pass", "U+00E9 > U+007A (DESIGN 9)")
  f.add("a < b", {"a": "2024-01-01", "b": "2024-01-02"}, "pass")
  f.group("error")
  f.add("a < 1", {}, "error", MISSING_NOTE, error_contains="missing", divergence=True)
  f.add("a >= 0", {"a": None}, "error", "ordering on null is an error (DESIGN 4)",
        divergence=True)
  f.add("1 > a", {}, "error", MISSING_NOTE, error_contains="missing", divergence=True)
  f.add("a < b", {"a": "x", "b": 1}, "error", "ordering across types is an error (DESIGN 5)",
        divergence=True)
  f.add("a < b", {"a": 1, "b": "2"}, "error", "no string-number coercion", divergence=True)
  f.add("a < b", {"a": True, "b": False}, "error", "booleans are not ordered" + "; the reference gives false",
        divergence=True)
  f.add("a < b", {"a": [1], "b": [2]}, "error", "arrays are not ordered" + "; the reference gives false",
        divergence=True)
  f.add("a <= b", {"a": {}, "b": {}}, "error", "objects are not ordered" + "; the reference gives false",
        divergence=True)
  f.add("a > 0", {"a": "5"}, "error", "a digit string is not a number unless typed bigint" + "; the reference gives false",
        divergence=True)
  f.add("a < b", {"a": None, "b": None}, "error", "ordering on null; the reference gives false",
        divergence=True)
  f.add("true < false", {}, "error", "booleans are not ordered (compile or run time)" + "; the reference gives false",
        divergence=True)
  f.add("null < 1", {}, "error", "ordering on null; the reference gives false", divergence=True)
  f.add("[1] < [2]", {}, "error")
  f.group("compile")
  f.add("'a' < 1", {}, "error", "literal type mismatch is a compile error")
  f.add("1 >= 'a'", {}, "error", "literal type mismatch is a compile error")
  f.add("1 < 2 < 3", {}, "error", "comparisons do not chain; the reference ignores `< 3`",
        divergence=True)
  f.add("1 < 2 == true", {}, "error", "comparisons do not chain", divergence=True)
  f.add("(1 < 2) == true", {}, "pass", "parenthesised comparison is fine")
  return f


def logic():
  f = CorpusFile("logic.jsonl", "logic")
  err = "a < 1"          # missing a: an error
  f.group("and")
  f.add("true && true", {}, "pass")
  f.add("true && false", {}, "fail")
  f.add("false && true", {}, "fail")
  f.add("false && false", {}, "fail")
  f.add("a && b", {"a": True, "b": True}, "pass")
  f.add("a == 1 && b == 2 && c == 3", {"a": 1, "b": 2, "c": 3}, "pass")
  f.add("a == 1 && b == 2 && c == 3", {"a": 1, "b": 2, "c": 4}, "fail")
  f.group("or")
  f.add("true || false", {}, "pass")
  f.add("false || true", {}, "pass")
  f.add("false || false", {}, "fail")
  f.add("a == 1 || a == 2 || a == 3", {"a": 3}, "pass")
  f.add("a == 1 || a == 2 || a == 3", {"a": 4}, "fail")
  f.group("not")
  f.add("!true", {}, "fail")
  f.add("!false", {}, "pass")
  f.add("!!true", {}, "pass")
  f.add("!(1 == 2)", {}, "pass")
  f.add("!a", {"a": 1}, "error", "! needs a boolean (no truthiness)", divergence=True)
  f.add("!a", {}, "error", "!missing is an error", divergence=True)
  f.add("!a", {"a": None}, "error", "!null is an error", divergence=True)
  f.add("!(a < 1)", {}, "error", "!error is error (DESIGN 3)")
  f.add("!a == b", {"a": True, "b": False}, "pass", "(!a) == b")
  f.add("!a == b", {"a": 1, "b": False}, "error",
        "parsed (!a) == b, and !1 is an error; !(a == b) would be true")
  f.group("precedence")
  f.add("true || false && false", {}, "pass", "&& binds tighter than ||")
  f.add("(true || false) && false", {}, "fail")
  f.add("true || false => false", {}, "fail", "=> has the lowest precedence: (true || false) => false")
  f.add("false && true => false", {}, "pass", "(false && true) => false")
  f.add("1 == 1 && 2 == 2", {}, "pass", "comparison binds tighter than &&")
  f.group("implies")
  f.add("true => true", {}, "pass")
  f.add("true => false", {}, "fail")
  f.add("false => true", {}, "pass")
  f.add("false => false", {}, "pass")
  f.add("state == 'released' => released_at != null", {"state": "released", "released_at": "2024-01-01"}, "pass")
  f.add("state == 'released' => released_at != null", {"state": "released"}, "fail")
  f.add("state == 'released' => released_at != null", {"state": "open"}, "pass")
  f.group("implies-chain")
  note = "=> chains are right-associative: a => (b => c); the reference accepts only one =>"
  f.add("true => true => false", {}, "fail", note + " and ignores the rest (true)",
        divergence=True)
  f.add("false => true => false", {}, "pass", note + "; left-associative would give false")
  f.add("true => false => false", {}, "pass", note, divergence=True)
  f.add("true => true => true => false", {}, "fail", note, divergence=True)
  f.add("(true => false) => false", {}, "pass", "explicit parentheses")
  f.group("short-circuit")
  note = "short-circuit: the right side is never evaluated; the reference evaluates both"
  f.add("false && " + err, {}, "fail", note, divergence=True)
  f.add("true || " + err, {}, "pass", note, divergence=True)
  f.add("false => " + err, {}, "pass", note, divergence=True)
  f.add("false && 1 / 0 == 1", {}, "fail", note)
  f.add("true || 1 / 0 == 1", {}, "pass", note)
  f.add("a != null && a.length > 2", {}, "fail", "guard pattern relies on short-circuit",
        divergence=True)
  f.add("a == null || a.length > 2", {"a": None}, "pass", "guard pattern relies on short-circuit",
        divergence=True)
  f.add("a != null && a.length > 2", {"a": "abcd"}, "pass")
  f.add("false && a", {"a": 1}, "fail", "right side not evaluated, so its type is not checked")
  f.add("true || a", {"a": "x"}, "pass")
  f.add("false => a", {"a": None}, "pass")
  f.group("absorb")
  note = "error absorbed when the other side decides (DESIGN 3)"
  f.add(err + " || true", {}, "pass", note)
  f.add(err + " && false", {}, "fail", note)
  f.add(err + " => true", {}, "pass", note)
  f.add("(" + err + ") || (b == 1)", {"b": 1}, "pass", note)
  f.add("a || true", {"a": 1}, "pass", "a non-boolean operand is an error, absorbed by || true")
  f.add("a && false", {"a": "x"}, "fail", "non-boolean operand error absorbed by && false")
  f.add("a => true", {"a": None}, "pass", "error => true is true")
  f.add("a || b", {"a": 1, "b": True}, "pass")
  f.add("a && b", {"a": 1, "b": False}, "fail")
  f.group("propagate")
  note = "error propagates when the other side does not decide (DESIGN 3)"
  f.add(err + " && true", {}, "error", note, error_contains="missing")
  f.add(err + " || false", {}, "error", note, error_contains="missing")
  f.add("true && " + err, {}, "error", note)
  f.add("false || " + err, {}, "error", note)
  f.add("true => " + err, {}, "error", note)
  f.add(err + " => false", {}, "error", note)
  f.add(err + " && b < 1", {}, "error", note)
  f.add(err + " || b < 1", {}, "error", note)
  f.add("a && true", {"a": 1}, "error", "operands must be booleans (no truthiness)",
        divergence=True)
  f.add("a || false", {"a": "x"}, "error", "operands must be booleans (no truthiness)",
        divergence=True)
  f.add("true && a", {"a": None}, "error", "null operand is an error", divergence=True)
  f.add("a && b", {"a": True, "b": "x"}, "error")
  f.add("a || b", {"a": False, "b": 0}, "error",
        "0 is not a boolean; the reference's truthiness gives false", divergence=True)
  f.add("a => b", {"a": True, "b": None}, "error")
  f.add("a => b", {"a": True, "b": 1}, "error")
  f.add("a || b", {"a": 1, "b": 1}, "error")
  f.group("final")
  note = "the final value must be a boolean (DESIGN 5); the reference uses truthiness"
  f.add("a", {"a": True}, "pass")
  f.add("a", {"a": False}, "fail")
  f.add("a", {"a": 1}, "error", note, divergence=True)
  f.add("a", {"a": 0}, "error", note, divergence=True)
  f.add("a", {"a": "yes"}, "error", note, divergence=True)
  f.add("a", {"a": [1]}, "error", note, divergence=True)
  f.add("a", {"a": {}}, "error", note, divergence=True)
  f.add("a", {"a": None}, "error", note, divergence=True)
  f.add("a + 1", {"a": 1}, "error", note)
  f.add("(a)", {"a": True}, "pass")
  return f


def arithmetic():
  f = CorpusFile("arithmetic.jsonl", "arith")
  f.group("basic")
  f.add("1 + 2 == 3", {}, "pass")
  f.add("5 - 7 == -2", {}, "pass")
  f.add("6 * 7 == 42", {}, "pass")
  f.add("10 / 4 == 2.5", {}, "pass")
  f.add("10 / 5 == 2", {}, "pass")
  f.add("10 % 3 == 1", {}, "pass")
  f.add("a + b == c", {"a": 100, "b": 250, "c": 350}, "pass")
  f.add("a - b >= 0", {"a": 100, "b": 250}, "fail")
  f.add("a * 2 == 6", {"a": 3}, "pass")
  f.add("a.length * 2 == 6", {"a": [1, 2, 3]}, "pass")
  f.group("precedence")
  f.add("2 + 3 * 4 == 14", {}, "pass")
  f.add("(2 + 3) * 4 == 20", {}, "pass")
  f.add("10 - 2 - 3 == 5", {}, "pass", "left-associative")
  f.add("100 / 10 / 5 == 2", {}, "pass", "left-associative")
  f.add("2 * 5 % 3 == 1", {}, "pass", "* and % share a level, left-associative: (2*5)%3")
  f.add("1 + 2 == 3 && 2 * 2 == 4", {}, "pass")
  f.add("1 + 1 > 1", {}, "pass", "arithmetic binds tighter than comparison")
  f.group("unary")
  f.add("-a == -5", {"a": 5}, "pass")
  f.add("-a == 5", {"a": -5}, "pass")
  f.add("- -a == 5", {"a": 5}, "pass")
  f.add("-2 * 3 == -6", {}, "pass")
  f.add("2 * -3 == -6", {}, "pass")
  f.add("-(2 + 3) == -5", {}, "pass")
  f.add("7 - -3 == 10", {}, "pass")
  f.add("-a == 0", {"a": 0}, "pass")
  f.add("-a < 0", {}, "error", MISSING_NOTE, error_contains="missing")
  f.add("-a < 0", {"a": "5"}, "error", "unary minus on a string")
  f.add("-a == false", {"a": True}, "error", "unary minus on a boolean")
  f.group("exact")
  note = "decimals are exact base-10 (DESIGN 6)"
  f.add("0.1 + 0.2 == 0.3", {}, "pass", note)
  f.add("0.3 - 0.1 == 0.2", {}, "pass", note)
  f.add("1.1 * 1.1 == 1.21", {}, "pass", note)
  f.add("0.1 * 0.1 == 0.01", {}, "pass", note)
  f.add("0.1 * 3 == 0.3", {}, "pass", note)
  f.add("1.005 + 0.005 == 1.01", {}, "pass", note)
  f.add("a * 3 == 59.97", {"a": 19.99}, "pass", note)
  f.add("a + b == 0.3", {"a": 0.1, "b": 0.2}, "pass", note)
  f.add("0.3 / 0.1 == 3", {}, "pass", note)
  f.add("123456789012345678901234567890.5 + 0.5 == 123456789012345678901234567891", {}, "pass",
        note)
  f.add("1.5 * 2 == 3", {}, "pass")
  f.add("0 - 0.0 == 0", {}, "pass")
  f.group("bigint")
  note = "integers promote on overflow, never wrap (DESIGN 6)"
  f.add("9223372036854775807 + 1 == 9223372036854775808", {}, "pass", note)
  f.add("9223372036854775807 + 1 > 9223372036854775807", {}, "pass", note)
  f.add("a + 1 > a", {"a": 9223372036854775807}, "pass", note)
  f.add("a - 1 == -9223372036854775809", {"a": -9223372036854775808}, "pass", note)
  f.add("-a == 9223372036854775808", {"a": -9223372036854775808}, "pass", "negating Int64.min")
  f.add("a * -1 == 9223372036854775808", {"a": -9223372036854775808}, "pass", note)
  f.add("a * a == 18446744073709551616", {"a": 4294967296}, "pass", note)
  f.add("9223372036854775807 * 2 == 18446744073709551614", {}, "pass", note)
  f.add("9223372036854775807 * 9223372036854775807 == 85070591730234615847396907784232501249",
        {}, "pass", note)
  f.add("a - b == 1", {"a": 100000000000000000000000000001, "b": 100000000000000000000000000000},
        "pass", note)
  f.add("100000000000000000000 % 7 == 2", {}, "pass")
  f.add("a / 2 == 50000000000000000000", {"a": 100000000000000000000}, "pass")
  f.group("division")
  note = "/ is exact when it terminates within 20 fractional digits, else half-even at 20"
  f.add("1 / 8 == 0.125", {}, "pass", note)
  f.add("1 / 1024 == 0.0009765625", {}, "pass", note)
  f.add("-7 / 2 == -3.5", {}, "pass", note)
  f.add("1 / 3 == 0.33333333333333333333", {}, "pass", note)
  f.add("1 / 3 == 0.333", {}, "fail", note)
  f.add("2 / 3 == 0.66666666666666666667", {}, "pass", note + " (rounds up)")
  f.add("1 / 7 == 0.14285714285714285714", {}, "pass", note)
  f.add("-1 / 3 == -0.33333333333333333333", {}, "pass", note)
  f.add("1 / 0.3 == 3.33333333333333333333", {}, "pass", note)
  f.add("1 / 3 * 3 == 1", {}, "fail", "1/3 is rounded at 20 digits, so *3 gives 0.999…")
  f.add("1 / 3 * 3 == 0.99999999999999999999", {}, "pass", note)
  f.add("1 / 2097152 == 0.00000047683715820312", {}, "pass",
        "2^-21 has 21 digits ending in 5: half-even keeps the even 2")
  f.add("3 / 2097152 == 0.00000143051147460938", {}, "pass",
        "3*2^-21 ends …375: half-even rounds the odd 7 up to 8")
  f.add("-3 / 2097152 == -0.00000143051147460938", {}, "pass", "half-even is symmetric")
  f.add("a / b == 0.25", {"a": 1, "b": 4}, "pass")
  f.group("division-by-zero")
  f.add("1 / 0 == 0", {}, "error", "x / 0 is an error (DESIGN 6)", error_contains="division by zero")
  f.add("0 / 0 == 0", {}, "error", "x / 0 is an error", error_contains="division by zero")
  f.add("a / b > 0", {"a": 1, "b": 0}, "error", "x / 0 is an error", error_contains="division by zero")
  f.add("a / b > 0", {"a": 1, "b": 0.0}, "error", "0.0 is zero", error_contains="division by zero")
  f.add("5 % 0 == 0", {}, "error", "x % 0 is an error")
  f.add("a % b == 0", {"a": 5, "b": 0}, "error", "x % 0 is an error")
  f.group("modulo")
  note = "% takes integers; the result has the sign of the dividend"
  f.add("-7 % 3 == -1", {}, "pass", note)
  f.add("7 % -3 == 1", {}, "pass", note)
  f.add("-7 % -3 == -1", {}, "pass", note)
  f.add("0 % 5 == 0", {}, "pass", note)
  f.add("a % 2 == 1", {"a": 9223372036854775809}, "pass", "% on a big integer")
  f.add("5.5 % 2 == 1.5", {}, "error", "non-integer % is an error (DESIGN 6)")
  f.add("5 % 2.5 == 0", {}, "error", "non-integer % is an error (DESIGN 6)")
  f.add("a % 2 == 1", {"a": 1.5}, "error", "non-integer % is an error (DESIGN 6)")
  f.group("error")
  f.add("a + 1 == 1", {}, "error", MISSING_NOTE, error_contains="missing", divergence=False)
  f.add("a + 1 == 1", {"a": None}, "error", "arithmetic on null is an error (DESIGN 4)")
  f.add("a + 1 == 2", {"a": "1"}, "error", "no string coercion")
  f.add("a + b == 'xy'", {"a": "x", "b": "y"}, "error", "no string concatenation")
  f.add("a * 2 == 2", {"a": True}, "error", "arithmetic on a boolean")
  f.add("a + 1 == 2", {"a": [1]}, "error", "arithmetic on an array")
  f.add("a - 1 == 0", {"a": {"v": 1}}, "error", "arithmetic on an object")
  f.add("a * 0 == 0", {}, "error", "missing * 0 is still an error, not 0", error_contains="missing")
  f.add("'a' + 'b' == 'ab'", {}, "error", "no string concatenation (compile or run time)")
  f.add("a + 1 == 2 || true", {}, "pass", "arithmetic error absorbed by || true")
  return f


def membership():
  f = CorpusFile("membership.jsonl", "in")
  f.group("literal")
  f.add("1 in [1, 2, 3]", {}, "pass")
  f.add("4 in [1, 2, 3]", {}, "fail",
        "the reference has no `in`: it evaluates `4` and ignores the rest (true)",
        divergence=True)
  f.add("'a' in ['a', 'b']", {}, "pass")
  f.add("'c' in ['a', 'b']", {}, "fail")
  f.add("a in [1, 2]", {"a": 1.0}, "pass", "== on numbers is by value")
  f.add("a in [1, 2]", {"a": "1"}, "fail", "no coercion")
  f.add("a in ['1', 2]", {"a": 1}, "fail")
  f.add("1 in []", {}, "fail", "empty array")
  f.add("state in ['open', 'closed']", {"state": "open"}, "pass")
  f.add("state in ['open', 'closed']", {"state": "Open"}, "fail")
  f.add("x in [a, b]", {"x": 2, "a": 1, "b": 2}, "pass", "field paths in the array literal")
  f.group("null")
  f.add("null in [null]", {}, "pass", "LANGUAGE.md: null in [null] is true")
  f.add("a in [null]", {}, "pass", "missing == null")
  f.add("a in [1, 2]", {}, "fail", "missing left side: == never errors")
  f.add("a in [1, 2]", {"a": None}, "fail")
  f.add("a in b", {"b": [None, 1]}, "pass")
  f.group("path")
  f.add("a in b", {"a": 2, "b": [1, 2, 3]}, "pass")
  f.add("a in b", {"a": 4, "b": [1, 2, 3]}, "fail")
  f.add("a in b", {"a": 1, "b": []}, "fail")
  f.add("a in b", {"a": {"x": 1}, "b": [{"x": 1}]}, "pass", "structural equality")
  f.add("a in b", {"a": [1], "b": [[1], [2]]}, "pass", "structural equality")
  f.add("[1] in b", {"b": [[1]]}, "pass")
  f.add("a in b.c", {"a": "k", "b": {"c": ["k"]}}, "pass")
  f.group("error")
  note = "the right side of in must be an array (or an object: key membership)"
  f.add("a in b", {"a": 1}, "error", note + " (missing)")
  f.add("a in b", {"a": 1, "b": None}, "error", note + " (null)")
  f.add("a in b", {"a": "b", "b": "abc"}, "error", note + " (no substring search)")
  f.add("a in b", {"a": 1, "b": {"k": 1}}, "error",
        "an object on the right is key membership: the key must be a string")
  f.add("a in b", {"a": 1, "b": 1}, "error", note)
  f.add("1 in 5", {}, "error", note)
  f.group("keys")
  note = "an object on the right of in: key membership (JavaScript's and CEL's meaning)"
  f.add("'k' in o", {"o": {"k": 1}}, "pass", note)
  f.add("'k' in o", {"o": {"j": 1}}, "fail",
        note + "; the reference has no `in`: it evaluates `'k'` and ignores the rest (true)",
        divergence=True)
  f.add("'k' in o", {"o": {}}, "fail", "an empty object has no keys")
  f.add("'k' in o", {"o": {"k": None}}, "pass", "a key holding null is present")
  f.add("'K' in o", {"o": {"k": 1}}, "fail", "keys compare exactly (case-sensitive)")
  f.add("a in b", {"a": "k", "b": {"k": 1}}, "pass", "a key read from the data")
  f.add("!('legal_mandate_reference' in record)", {"record": {"legal_mandate_reference": "x"}},
        "fail", "the corpus idiom: a key that must be absent; the reference throws (no `in`)",
        divergence=True)
  f.add("scope == 'full' || !('legal_mandate_reference' in record)",
        {"scope": "partial", "record": {"id": 1}}, "pass")
  f.add("'length' in o", {"o": [1, 2]}, "fail", "an array on the right: element membership")
  f.add("1 in o", {"o": {"1": True}}, "error", "object keys are strings: a number is an error",
        error_contains="must be a string")
  f.add("a in o", {"o": {"k": 1}}, "error", "missing key operand", error_contains="missing")
  f.add("a in o", {"a": None, "o": {"k": 1}}, "error", "null key operand")
  f.add("'k' in o", {}, "error", "missing object", error_contains="missing")
  f.add("'k' in o", {"o": None}, "error", "null object")
  f.add("'k' in o", {"o": "kk"}, "error", "no substring search",
        error_contains="an array or an object")
  f.add("1 in o", {"o": {}}, "error", "compile error: a number is never a key",
        types={"o": "object"})
  f.add("'k' in o", {"o": {"k": 1}}, "pass", types={"o": "object"})
  f.add("'k' in 'kk'", {}, "error", "compile error: a string is not a collection")
  f.group("logic")
  f.add("!(1 in [2])", {}, "pass")
  f.add("1 in [1] && 3 in [3]", {}, "pass")
  f.add("a in b || true", {}, "pass", "error absorbed by || true")
  f.add("(a in b) == false", {"a": 1, "b": [2]}, "pass")
  f.add("a in b => false", {"a": 3, "b": [1]}, "pass")
  return f


def comparisons():
  f = CorpusFile("comparisons.jsonl", "cmp")
  big = {"v": "bigint"}
  f.group("bigint-literal")
  note = ("a canonical integer string literal compared with a bigint-declared operand is that "
          "integer (DESIGN 5)")
  vesting = {"vesting.schedule": "string", "vesting.remaining_micro": "bigint_coercible"}
  f.add("vesting.schedule == 'immediate' => vesting.remaining_micro == '0'",
        {"vesting": {"schedule": "immediate", "remaining_micro": "0"}}, "pass", note,
        types=vesting)
  f.add("vesting.schedule == 'immediate' => vesting.remaining_micro == '0'",
        {"vesting": {"schedule": "immediate", "remaining_micro": "250"}}, "fail", note,
        types=vesting)
  f.add("vesting.schedule == 'immediate' => vesting.remaining_micro == '0'",
        {"vesting": {"schedule": "immediate", "remaining_micro": "zero"}}, "error",
        "the declared type rejects a non-digit string", types=vesting)
  f.add("budget != '0'", {"budget": "0"}, "fail", "a warning rule that must fail on a zero budget",
        types={"budget": "bigint"})
  f.add("budget != '0'", {"budget": "12"}, "pass", types={"budget": "bigint"})
  f.add("v == '0'", {"v": 0}, "pass",
        note + "; the reference ignores type_signature and compares 0 with '0'",
        types=big, divergence=True)
  f.add("v == '0'", {"v": "000"}, "pass", note + "; '000' is 0 under the bigint type",
        types=big, divergence=True)
  f.add("v == '1000000'", {"v": 1000000}, "pass", note, types=big, divergence=True)
  f.add("v == '-5'", {"v": "-5"}, "pass", note, types=big)
  f.add("v == '100000000000000000000000000000'", {"v": "100000000000000000000000000000"},
        "pass", "beyond 64 bits", types=big)
  f.add("'0' == v", {"v": "0"}, "pass", "the literal on the left", types=big)
  f.add("v >= '3'", {"v": "3"}, "pass", "orderings too", types=big)
  f.add("v < '3'", {"v": "3"}, "fail", types=big)
  f.add("v == '0'", {}, "fail", "missing is never 0", types=big)
  f.add("v != '0'", {}, "pass", "x != value is true for missing (DESIGN 4)", types=big)
  f.add("v >= '3'", {}, "error", "ordering on missing", types=big, error_contains="missing")
  f.add("v in ['0', '1']", {"v": "1"}, "pass", "in over an array literal", types=big)
  f.add("v in ['0', '1']", {"v": 2}, "fail", types=big)
  f.add("previous(v) == '5'", {"v": "6", "_previous": {"v": "5"}}, "pass",
        "previous of a bigint field is an exact integer", types=big)
  f.add("v == '0'", {"v": "0"}, "pass", "bigint | undefined too",
        types={"v": "bigint | undefined"})
  f.group("bigint-literal-compile")
  cnote = "a string literal that is not a canonical integer can never equal an exact integer"
  for bad in ["abc", "007", "-0", "+5", "", "1.5", "1e3", " 1"]:
    f.add(f"v == '{bad}'", {"v": "7"}, "error", cnote + f": {bad!r}", types=big,
          error_contains="canonical")
  f.add("v >= 'x'", {"v": "1"}, "error", cnote, types=big, error_contains="canonical")
  f.add("v in ['1', 'one']", {"v": "1"}, "error", cnote, types=big, error_contains="canonical")
  f.add("v == true", {"v": "1"}, "error", "an exact integer is never a boolean", types=big,
        error_contains="never equal")
  f.add("v != [1]", {"v": "1"}, "error", "an exact integer is never an array", types=big,
        error_contains="never equal")
  f.group("exact-integer")
  note = ("an exact integer (bigint_sum/add/sub) compared with a digit string compares the "
          "integers (DESIGN 5)")
  parts = {"balance": "600000", "reserved": "300000", "consumed": "100000"}
  f.add("bigint_sum([balance, reserved, consumed]) == original_allocation",
        dict(parts, original_allocation="1000000"), "pass", note)
  f.add("bigint_sum([balance, reserved, consumed]) == original_allocation",
        dict(parts, original_allocation="1000001"), "fail", note)
  f.add("bigint_sum([balance, reserved, consumed]) == original_allocation",
        dict(parts, original_allocation="1e6"), "error",
        "not a digit string: an error, never false; the reference compares as strings (false)",
        divergence=True, error_contains="exact integer")
  f.add("bigint_sum(entries, 'amount') == total",
        {"entries": [{"amount": "5"}, {"amount": 7}], "total": "12"}, "pass", note)
  f.add("bigint_add(a, b) == total", {"a": "2", "b": "3", "total": "5"}, "pass", note)
  f.add("bigint_sub(a, b) != expected", {"a": "10", "b": "3", "expected": "7"}, "fail", note)
  f.add("total == bigint_add(a, b)", {"a": "2", "b": "3", "total": "0005"}, "pass",
        "a digit string from the data: leading zeros allowed, as for bigint fields")
  f.add("bigint_sum(xs) >= limit", {"xs": ["4", "1"], "limit": "5"}, "pass", note)
  f.add("bigint_sum(xs) > limit", {"xs": ["4", "1"], "limit": "5"}, "fail", note)
  f.add("bigint_sum(xs) == total", {"xs": ["4", "1"], "total": 5}, "pass", "a JSON integer")
  f.add("bigint_sum(xs) == total", {"xs": ["4", "1"], "total": 5.5}, "fail",
        "numbers compare by exact value")
  f.add("bigint_sum(xs) == total", {"xs": ["4", "1"], "total": "123456789012345678901234567890"},
        "fail", "big digit strings are read exactly")
  f.add("bigint_sum(xs) == total", {"xs": ["4"]}, "fail", "missing is never equal")
  f.add("bigint_sum(xs) != total", {"xs": ["4"], "total": None}, "pass")
  f.add("bigint_sum(xs) < total", {"xs": ["4"]}, "error", "ordering on missing",
        error_contains="missing")
  for bad, what in [(" 5", "whitespace"), ("", "the empty string"), ("0x5", "hex"),
                    ("5.0", "a decimal string")]:
    f.add("bigint_sum(xs) == total", {"xs": ["5"], "total": bad}, "error",
          f"{what} is not a digit string; the reference's BigInt() reads it leniently",
          divergence=True, error_contains="exact integer")
  f.add("bigint_sum(xs) == total", {"xs": ["5"], "total": True}, "error",
        "a boolean is never an integer; the reference gives false", divergence=True)
  f.add("bigint_sum(xs) == total", {"xs": ["5"], "total": [5]}, "error", "an array",
        divergence=True)
  f.add("bigint_sum(xs) == total", {"xs": ["5"], "total": {"v": 5}}, "error", "an object",
        divergence=True)
  f.add("eq(bigint_sum(xs), total)", {"xs": ["4", "1"], "total": "5"}, "pass",
        "eq(a, b) is a == b")
  f.add("eq(bigint_sum(xs), total)", {"xs": ["4", "1"], "total": "x"}, "error",
        "eq(a, b) is a == b", divergence=True)
  f.add("bigint_sum(xs) in [total, 0]", {"xs": ["4", "1"], "total": "5"}, "pass",
        "in compares elements as == does")
  f.add("bigint_sum(xs) in [total]", {"xs": ["4", "1"], "total": "five"}, "error",
        "in compares elements as == does", error_contains="element 0")
  f.add("bigint_add(a, b) == '5'", {"a": 2, "b": 3}, "pass", "a canonical literal")
  f.add("bigint_sum(xs) == 'five'", {"xs": []}, "error", cnote, error_contains="canonical")
  f.add("bigint_sum(xs) == false", {"xs": []}, "error", "never equal")
  f.add("a == '5'", {"a": 5}, "fail", "no exact integer on either side: no conversion")
  f.add("a + 0 == b", {"a": 5, "b": "5"}, "fail",
        "arithmetic results are numbers, not exact integers: no conversion")
  f.group("constant")
  note = ("a comparison the operand types decide is a compile error (DESIGN 5); the reference "
          "evaluates it to false")
  f.add("s == 5", {"s": "5"}, "error", note, types={"s": "string"}, divergence=True,
        error_contains="never true")
  f.add("s != 5", {"s": "x"}, "error", note, types={"s": "string"}, divergence=True,
        error_contains="always true")
  f.add("n == 'x'", {"n": 1}, "error", note, types={"n": "number"}, divergence=True)
  f.add("i == '5'", {"i": 5}, "error", "integer is not bigint: no digit-string reading",
        types={"i": "integer"}, divergence=True)
  f.add("b == 'true'", {"b": True}, "error", note, types={"b": "boolean"}, divergence=True)
  f.add("b == 1", {"b": True}, "error", note, types={"b": "boolean"}, divergence=True)
  f.add("o == [1]", {"o": {}}, "error", note, types={"o": "object"}, divergence=True)
  f.add("'5' == 5", {}, "error", "two literals of different types", divergence=True)
  f.add("true != 1", {}, "error", "two literals of different types", divergence=True)
  f.add("len(x) == '3'", {"x": [1, 2, 3]}, "error", "len is a number", divergence=True)
  f.add("(a > 1) == 'true'", {"a": 2}, "error", "a comparison is a boolean", divergence=True)
  f.add("s in [1, 'x']", {"s": "x"}, "error", "an element that can never match",
        types={"s": "string"}, divergence=True)
  f.add("type_of(x) == 'strnig'", {"x": "a"}, "error",
        "type_of returns one of seven names: a typo is a compile error", divergence=True,
        error_contains="never")
  f.add("type_of(x) != 'Number'", {"x": 1}, "error", "type names are lowercase",
        divergence=True)
  f.add("s == 'x'", {"s": "x"}, "pass", "same types: fine", types={"s": "string"})
  f.add("s == null", {}, "pass", "null compares with anything", types={"s": "string"})
  f.add("s == n", {}, "pass",
        "two declared fields of different types are both missing here: not a constant",
        types={"s": "string", "n": "number"})
  f.add("s == n", {"s": "1", "n": 1}, "fail", types={"s": "string", "n": "number"})
  f.add("a == 'x'", {"a": 5}, "fail", "an undeclared field may hold anything")
  f.add("type_of(x) == 'undefined'", {}, "pass")
  return f


def strings():
  f = CorpusFile("strings.jsonl", "str")
  f.group("escape")
  f.add(r"'it\'s' == a", {"a": "it's"}, "pass", r"\' escapes a quote")
  f.add(r"'a\\b' == a", {"a": "a\\b"}, "pass", r"\\ is one backslash")
  f.add(r"'\d' == a", {"a": "\\d"}, "pass", "any other backslash is kept literally")
  f.add(r"'\d' == '\\d'", {}, "pass", r"'\d' and '\\d' are the same two characters")
  f.add(r"len('\d') == 2", {}, "pass")
  f.add(r"len('\\') == 1", {}, "pass")
  f.add(r"'\\' == a", {"a": "\\"}, "pass")
  f.add(r"len('\n') == 2", {}, "pass", r"\n is not a newline escape: backslash + n")
  f.add(r"'\n' == a", {"a": "\n"}, "fail", "no newline escape")
  f.add(r"len('\'\'') == 2", {}, "pass")
  f.add(r"'a\'", {}, "error", "escaped quote leaves the string unterminated")
  f.add("'abc", {}, "error", "unterminated string")
  f.add('"abc" == a', {"a": "abc"}, "error", "double quotes are an error")
  f.group("length")
  note = ".length counts UTF-16 code units (DESIGN 9)"
  f.add("a.length == 3", {"a": "abc"}, "pass")
  f.add("a.length == 0", {"a": ""}, "pass")
  f.add("a.length == 2", {"a": "\U0001F600"}, "pass", note + ": an astral char is 2")
  f.add("a.length == 1", {"a": "\U0001F600"}, "fail", note)
  f.add("a.length == 1", {"a": "\u00e9"}, "pass", note + ": precomposed e-acute is 1")
  f.add("a.length == 2", {"a": "e\u0301"}, "pass", note + ": decomposed e + combining acute is 2")
  f.add("a.length == 5", {"a": "a\U0001F600b\u00e9"}, "pass", note)
  f.add("len(a) == 4", {"a": "\U0001F468\U0001F469"}, "pass", note)
  f.add("len('\U0001F600') == 2", {}, "pass", note + " for a literal too")
  f.group("normalization")
  note = "no Unicode normalization: precomposed and decomposed are unequal (DESIGN 9)"
  f.add("a == b", {"a": "\u00e9", "b": "e\u0301"}, "fail", note)
  f.add("a != b", {"a": "\u00e9", "b": "e\u0301"}, "pass", note)
  f.add("a == '\u00e9'", {"a": "\u00e9"}, "pass")
  f.add("a == '\u00e9'", {"a": "e\u0301"}, "fail", note)
  f.add("a in ['\u00e9']", {"a": "e\u0301"}, "fail", note)
  f.add("a == b", {"a": "\u212b", "b": "\u00c5"}, "fail", "Angstrom sign vs A-ring: no normalization")
  f.group("ordering")
  note = "strings order by code point (DESIGN 9); the reference uses UTF-16 units"
  f.add("a < b", {"a": "\uff01", "b": "\U0001F600"}, "pass",
        note + ": U+FF01 < U+1F600, but UTF-16 0xFF01 > 0xD83D", divergence=True)
  f.add("a > b", {"a": "\U0001F600", "b": "\uff01"}, "pass", note, divergence=True)
  f.add("a < b", {"a": "\ue000", "b": "\U00010000"}, "pass",
        note + ": U+E000 < U+10000, UTF-16 0xE000 > 0xD800", divergence=True)
  f.add("a < b", {"a": "\U0001F600", "b": "\U0001F601"}, "pass", "both astral")
  f.add("a < b", {"a": "e\u0301", "b": "\u00e9"}, "pass", "'e' (U+0065) < U+00E9")
  f.add("a < b", {"a": "Z", "b": "a"}, "pass")
  f.add("a <= b", {"a": "\u00e9", "b": "\u00e9"}, "pass")
  f.group("no-concat")
  f.add("a + b == 'ab'", {"a": "a", "b": "b"}, "error", "no string concatenation")
  f.add("a * 2 == 'aa'", {"a": "a"}, "error")
  f.group("literal")
  f.add("'caf\u00e9' == a", {"a": "caf\u00e9"}, "pass", "non-ASCII characters in a literal")
  f.add("'\U0001F600' == a", {"a": "\U0001F600"}, "pass")
  f.add("'a b' != 'ab'", {}, "pass")
  return f


def quantifiers():
  f = CorpusFile("quantifiers.jsonl", "quant")
  items = {"items": [{"amount": 10, "tags": ["a", "b"]}, {"amount": 20, "tags": ["b"]}]}
  f.group("every")
  f.add("a.every(x => x > 0)", {"a": [1, 2, 3]}, "pass")
  f.add("a.every(x => x > 0)", {"a": [1, -2, 3]}, "fail")
  f.add("a.every(x => x > 0)", {"a": []}, "pass", "[].every is true")
  f.add("items.every(i => i.amount >= 10)", items, "pass")
  f.add("items.every(i => i.amount > 10)", items, "fail")
  f.add("items.every(i => i.tags.length > 0)", items, "pass")
  f.add("a.every(x => x)", {"a": [True, True]}, "pass", "boolean elements as bodies")
  f.add("a.every(x => x)", {"a": [True, False]}, "fail")
  f.add("a.b.every(x => x == 1)", {"a": {"b": [1, 1]}}, "pass", "receiver is a nested path")
  f.add("a[0].every(x => x == 1)", {"a": [[1, 1]]}, "pass", "receiver is an indexed path")
  f.group("every-error")
  f.add("a.every(x => x > 0)", {}, "error", "receiver missing is an error; the reference gives false",
        error_contains="missing", divergence=True)
  f.add("a.every(x => x > 0)", {"a": None}, "error", "receiver null is an error", divergence=True)
  f.add("a.every(x => x > 0)", {"a": {"k": 1}}, "error",
        "receiver must be an array: an object is an error; the reference gives false",
        divergence=True)
  f.add("a.every(x => x > 0)", {"a": "abc"}, "error", "receiver must be an array")
  f.add("a.every(x => x > 0)", {"a": 5}, "error", "receiver must be an array")
  f.add("a.every(x => x)", {"a": [1]}, "error",
        "body must be boolean per element; the reference's truthiness gives true", divergence=True)
  f.add("a.every(x => x.v > 0)", {"a": [{"v": 1}, {}]}, "error", "an element errors, none is false; the reference reads the missing v as false",
        divergence=True)
  f.add("a.every(x => x.v > 0)", {"a": [{"v": 1}, {}, {"v": -1}]}, "fail",
        "false if any element is false, even if another errors")
  f.add("a.every(x => x.v > 0)", {"a": [{"v": -1}, {}]}, "fail", "false element first")
  f.add("a.every(x => x > 0)", {"a": [1, "2"]}, "error", "string element in an ordering; the reference gives false", divergence=True)
  f.add("a.every(x => x > 0) || true", {}, "pass", "quantifier error absorbed")
  f.group("some")
  f.add("a.some(x => x > 2)", {"a": [1, 2, 3]}, "pass")
  f.add("a.some(x => x > 5)", {"a": [1, 2, 3]}, "fail")
  f.add("a.some(x => x > 0)", {"a": []}, "fail", "[].some is false")
  f.add("a.some(x => x.v > 0)", {"a": [{}, {"v": 1}]}, "pass", "true wins over an error")
  f.add("a.some(x => x.v > 0)", {"a": [{}, {"v": -1}]}, "error", "error, no true")
  f.add("a.some(x => x > 0)", {}, "error", "receiver missing is an error")
  f.add("a.some(x => x)", {"a": [False, "x"]}, "error", "non-boolean body")
  f.add("items.some(i => 'a' in i.tags)", items, "pass")
  f.group("none")
  f.add("a.none(x => x < 0)", {"a": [1, 2]}, "pass")
  f.add("a.none(x => x < 0)", {"a": [1, -2]}, "fail")
  f.add("a.none(x => x < 0)", {"a": []}, "pass", "[].none is true")
  f.add("a.none(x => x.v < 0)", {"a": [{}, {"v": 1}]}, "error", "none = !some; some is error")
  f.add("a.none(x => x.v < 0)", {"a": [{}, {"v": -1}]}, "fail", "some is true, so none false")
  f.add("a.none(x => x < 0)", {"a": None}, "error", "receiver null is an error")
  f.group("count")
  f.add("a.count(x => x > 1) == 2", {"a": [1, 2, 3]}, "pass")
  f.add("a.count(x => x > 5) == 0", {"a": [1, 2, 3]}, "pass")
  f.add("a.count(x => x > 0) == 0", {"a": []}, "pass")
  f.add("a.count(x => x > 0) + 1 == 4", {"a": [1, 2, 3]}, "pass", "count is an integer")
  f.add("a.count(x => x) == 1", {"a": [True, False]}, "pass")
  f.add("a.count(x => x > 0) / a.length == 0.5", {"a": [1, -1, 2, -2]}, "pass")
  f.add("a.count(x => x.v > 0) == 1", {"a": [{"v": 1}, {}]}, "error", "any element error → error")
  f.add("a.count(x => x) == 1", {"a": [True, 1]}, "error", "non-boolean body")
  f.add("a.count(x => x > 0) == 0", {}, "error", "receiver missing is an error")
  f.add("a.count(x => x > 0)", {"a": [1]}, "error", "a count is not a boolean final value")
  f.group("nested")
  f.add("a.every(x => x.every(y => y > 0))", {"a": [[1, 2], [3]]}, "pass")
  f.add("a.every(x => x.every(y => y > 0))", {"a": [[1, 2], [0]]}, "fail")
  f.add("a.every(x => b.some(y => y == x))", {"a": [1, 2], "b": [2, 1, 3]}, "pass")
  f.add("a.every(x => b.some(y => y == x))", {"a": [1, 4], "b": [2, 1, 3]}, "fail")
  f.add("a.some(x => x.items.every(y => y > x.min))",
        {"a": [{"min": 5, "items": [1, 9]}, {"min": 0, "items": [1, 2]}]}, "pass")
  f.add("a.every(x => x.every(y => y.every(z => z)))", {"a": [[[True]], [[True, True]]]}, "pass")
  f.add("a.count(x => x.some(y => y > 2)) == 1", {"a": [[1, 3], [1, 2]]}, "pass")
  f.group("shadowing")
  f.add("a.every(x => x < 10)", {"x": 100, "a": [1, 2]}, "pass",
        "the binding x shadows the top-level field x")
  f.add("a.every(y => y < x)", {"x": 10, "a": [1, 2]}, "pass", "other top-level fields stay visible")
  f.add("a.every(x => b.every(y => y == x))", {"y": "top", "a": [1], "b": [1]}, "pass")
  f.add("a.every(x => x.x == 1)", {"x": {"x": 2}, "a": [{"x": 1}]}, "pass", "x.x is the element's field")
  f.add("a.every(x => true) && x == 5", {"x": 5, "a": [1]}, "pass", "the binding ends with the body")
  f.group("previous")
  f.add("a.every(x => x < _previous.limit)", {"a": [1, 2], "_previous": {"limit": 5}}, "pass",
        "_previous stays visible inside quantifiers")
  f.add("a.every(x => x < _previous.limit)", {"a": [1, 7], "_previous": {"limit": 5}}, "fail")
  f.add("a.some(x => x == _previous.a[0])", {"a": [3], "_previous": {"a": [3]}}, "pass")
  f.group("compile")
  f.add("a.every(x x > 0)", {"a": [1]}, "error", "missing =>")
  f.add("a.every(=> true)", {"a": [1]}, "error", "missing binding name")
  f.add("a.every(x => )", {"a": [1]}, "error", "missing body")
  f.add("a.every(1 => true)", {"a": [1]}, "error", "binding must be an identifier")
  f.add("a.every(x => true", {"a": [1]}, "error", "unclosed call")
  f.add("a.all(x => true)", {"a": [1]}, "error", "no such quantifier")
  return f


def types():
  f = CorpusFile("types.jsonl", "types")
  big = {"v": "bigint"}
  f.group("bigint")
  note = "bigint-typed field reads a digit string as the integer (DESIGN 7, 8)"
  f.add("v >= 0", {"v": "123"}, "pass", note + "; the reference ignores type_signature",
        types=big, divergence=True)
  f.add("v == 123", {"v": "123"}, "pass", note + "; the reference ignores type_signature",
        types=big, divergence=True)
  f.add("v + 1 == 124", {"v": "123"}, "pass", note, types=big)
  f.add("v > 122 && v < 124", {"v": "123"}, "pass", note, types=big)
  f.add("v == 7", {"v": "007"}, "pass", "'007' is 7", types=big)
  f.add("v == 0", {"v": "-0"}, "pass", "'-0' is 0", types=big)
  f.add("v < 0", {"v": "-0"}, "fail", "'-0' is 0", types=big)
  f.add("v == -12", {"v": "-12"}, "pass", types=big)
  f.add("v == 5", {"v": 5}, "pass", "a JSON integer is accepted", types=big)
  f.add("v > 99999999999999999999999999999", {"v": "100000000000000000000000000000"}, "pass",
        types=big)
  f.add("v * 2 == 18446744073709551614", {"v": "9223372036854775807"}, "pass", types=big)
  f.add("v == null", {}, "pass", "missing stays missing", types=big)
  f.add("v == null", {"v": None}, "pass", "null stays null", types=big)
  f.add("v >= 0", {}, "error", "missing in an ordering is still an error", types=big,
        error_contains="missing")
  f.add("v > 0", {"v": "9" * 4096}, "pass", "4,096 digits is the cap", types=big)
  f.add("w == 1", {"v": "abc", "w": 1}, "pass", "types apply only when the path is read",
        types=big)
  f.add("a.b > 4", {"a": {"b": "5"}}, "pass", "a nested declared path", types={"a.b": "bigint"})
  f.add("v > 10", {"v": "12"}, "pass", "bigint_coercible behaves as bigint",
        types={"v": "bigint_coercible"})
  f.group("bigint-bad")
  note = "not a bigint: error naming the path (DESIGN 7)"
  for bad in ["", " 1", "1 ", "+5", "1e3", "0x10", "1.5", "12a", "--1", "-", "\uff11"]:
    f.add("v >= 0", {"v": bad}, "error", note + f": {bad!r}", types=big)
  f.add("v >= 0", {"v": 1.5}, "error", note + ": decimal number", types=big)
  f.add("v >= 0", {"v": True}, "error", note + ": boolean", types=big)
  f.add("v >= 0", {"v": [1]}, "error", note + ": array", types=big)
  f.add("v >= 0", {"v": {"n": 1}}, "error", note + ": object", types=big)
  f.add("v == null", {"v": "abc"}, "error", "the type check fires whenever the path is read",
        types=big)
  f.add("v > 0", {"v": "9" * 4097}, "error", "4,097 digits exceeds the cap", types=big)
  f.add("v >= 0 || true", {"v": "abc"}, "pass", "a type error is absorbed like any error",
        types=big)
  f.add("v >= 0", {"v": "1e3"}, "error", note, types={"v": "bigint_coercible"})
  f.group("string")
  st = {"s": "string"}
  f.add("s == 'x'", {"s": "x"}, "pass", types=st)
  f.add("s == null", {}, "pass", "missing allowed", types=st)
  f.add("s == null", {"s": None}, "pass", "null allowed", types=st)
  f.add("s == 5", {"s": 5}, "error",
        "a string field holding a number (DESIGN 8); the reference ignores type_signature",
        types=st, divergence=True)
  f.add("s != 'x'", {"s": 5}, "error", "a string field holding a number (DESIGN 8)", types=st)
  f.add("s == null", {"s": True}, "error", types=st)
  f.add("s.length == 1", {"s": ["x"]}, "error", types=st)
  f.group("number")
  nt = {"n": "number"}
  f.add("n == 1.25", {"n": 1.25}, "pass", types=nt)
  f.add("n == 3", {"n": 3}, "pass", types=nt)
  f.add("n > 0", {"n": "1"}, "error", "a number field holding a string", types=nt)
  f.add("n > 0", {"n": False}, "error", types=nt)
  f.group("integer")
  it = {"i": "integer"}
  f.add("i == -3", {"i": -3}, "pass", types=it)
  f.add("i > 0", {"i": 2.5}, "error", "not integral", types=it)
  f.add("i > 0", {"i": "3"}, "error", "a string is not an integer", types=it)
  f.group("boolean")
  bt = {"b": "boolean"}
  f.add("b", {"b": True}, "pass", types=bt)
  f.add("b == false", {"b": False}, "pass", types=bt)
  f.add("b == true", {"b": "true"}, "error", types=bt)
  f.add("b == true", {"b": 1}, "error", types=bt)
  f.group("array")
  at = {"a": "array"}
  f.add("a.length == 1", {"a": [1]}, "pass", types=at)
  f.add("a == null", {"a": "[]"}, "error", types=at)
  f.add("a == null", {"a": {}}, "error", types=at)
  f.group("object")
  ot = {"o": "object"}
  f.add("len(o) == 0", {"o": {}}, "pass", types=ot)
  f.add("o == null", {"o": [1]}, "error", types=ot)
  f.add("o == null", {"o": "x"}, "error", types=ot)
  f.group("string-array")
  sa = {"tags": "string[]"}
  f.add("tags.length == 2", {"tags": ["a", "b"]}, "pass", types=sa)
  f.add("tags.length == 0", {"tags": []}, "pass", types=sa)
  f.add("tags.length == 2", {"tags": ["a", 1]}, "error", "an element is not a string", types=sa)
  f.add("tags == null", {"tags": "a"}, "error", types=sa)
  f.group("optional")
  ou = {"s": "string | undefined"}
  f.add("s == null", {}, "pass", "X | undefined allows missing", types=ou)
  f.add("s == 'x'", {"s": "x"}, "pass", types=ou)
  f.add("s == 5", {"s": 5}, "error", types=ou)
  f.add("n == 5", {"n": 5}, "pass", types={"n": "number | undefined"})
  f.add("n == 'x'", {"n": "x"}, "error", types={"n": "number | undefined"})
  f.group("unchecked")
  note = "schema names and Record<…> are not checked"
  f.add("v == 5", {"v": 5}, "pass", note, types={"v": "BudgetRecord"})
  f.add("v == 'x'", {"v": "x"}, "pass", note, types={"v": "Record<string, string>"})
  f.group("undeclared")
  f.add("v >= 0", {"v": "123"}, "error", "undeclared fields are dynamic: a string is not a number")
  f.add("v == 123", {"v": "123"}, "fail", "undeclared: '123' != 123")
  return f


def temporal():
  f = CorpusFile("temporal.jsonl", "temporal")
  f.group("changed")
  f.add("changed(a)", {"a": 1}, "fail", "no _previous: changed is false (DESIGN 11)")
  f.add("changed(a)", {"a": 1, "_previous": None}, "fail", "null _previous counts as absent")
  f.add("!changed(a)", {"a": 1}, "pass")
  f.add("changed(a)", {"a": 2, "_previous": {"a": 1}}, "pass")
  f.add("changed(a)", {"a": 1, "_previous": {"a": 1}}, "fail")
  f.add("changed(a)", {"a": 1, "_previous": {"a": 1.0}}, "fail", "1 == 1.0")
  f.add("changed(a)", {"a": "1", "_previous": {"a": 1}}, "pass", "type change is a change")
  f.add("changed(a)", {"a": 1, "_previous": {}}, "pass", "1 vs missing")
  f.add("changed(a)", {"_previous": {"a": 1}}, "pass", "missing vs 1")
  f.add("changed(a)", {"_previous": {}}, "fail", "missing vs missing")
  f.add("changed(a)", {"a": None, "_previous": {}}, "fail", "null vs missing are ==, not changed")
  f.add("changed(a.b)", {"a": {"b": 2}, "_previous": {"a": {"b": 2}}}, "fail")
  f.add("changed(a.b)", {"a": {"b": 3}, "_previous": {"a": {"b": 2}}}, "pass")
  f.add("changed(a)", {"a": {"x": [1]}, "_previous": {"a": {"x": [1]}}}, "fail",
        "structural comparison; the reference compares objects by identity (true)", divergence=True)
  f.add("changed(a)", {"a": [1, 2], "_previous": {"a": [1, 2]}}, "fail",
        "structural comparison of arrays", divergence=True)
  f.add("changed(a)", {"a": [1, 2], "_previous": {"a": [2, 1]}}, "pass")
  f.add("state == 'closed' => !changed(amount)",
        {"state": "closed", "amount": 5, "_previous": {"amount": 5}}, "pass")
  f.add("state == 'closed' => !changed(amount)",
        {"state": "closed", "amount": 6, "_previous": {"amount": 5}}, "fail")
  f.group("previous")
  f.add("previous(a) == null", {"a": 1}, "pass", "no _previous: previous is missing")
  f.add("type_of(previous(a)) == 'undefined'", {"a": 1}, "pass")
  f.add("previous(a) == 1", {"a": 2, "_previous": {"a": 1}}, "pass")
  f.add("previous(a.b) == 'x'", {"_previous": {"a": {"b": "x"}}}, "pass")
  f.add("previous(a) + 1 == a", {"a": 2, "_previous": {"a": 1}}, "pass")
  f.add("previous(a) == null", {"a": 1, "_previous": {}}, "pass")
  f.add("previous(a)", {"_previous": {"a": True}}, "pass", "previous returns any value")
  f.add("previous(a) > 0", {"a": 1}, "error", "missing previous in an ordering",
        error_contains="missing")
  f.add("a >= previous(a)", {"a": 5, "_previous": {"a": 3}}, "pass", "monotonic counter")
  f.add("a >= previous(a)", {"a": 2, "_previous": {"a": 3}}, "fail")
  f.group("delta")
  f.add("delta(a) == 0", {"a": 15}, "pass", "no _previous: delta is 0 (DESIGN 11)")
  f.add("delta(a) == 5", {"a": 15, "_previous": {"a": 10}}, "pass")
  f.add("delta(a) == -5", {"a": 5, "_previous": {"a": 10}}, "pass")
  f.add("delta(a) == -10", {"_previous": {"a": 10}}, "pass", "missing current counts as 0")
  f.add("delta(a) == 7", {"a": 7, "_previous": {}}, "pass", "missing previous counts as 0")
  f.add("delta(a) == 7", {"a": 7, "_previous": {"a": None}}, "pass", "null previous counts as 0")
  f.add("delta(a) == 60", {"a": "100", "_previous": {"a": "40"}}, "pass", "bigint strings")
  f.add("delta(a) == 1", {"a": 1.5, "_previous": {"a": 0.5}}, "pass", "exact decimals")
  f.add("delta(a) == 1", {"a": 18446744073709551617, "_previous": {"a": "18446744073709551616"}},
        "pass", "big integers")
  f.add("delta(a) == 0", {"a": "x", "_previous": {"a": 1}}, "error", "not a number")
  f.add("delta(a) == 0", {"a": 1, "_previous": {"a": True}}, "error", "not a number")
  f.add("delta(a) == 0", {"a": 1, "_previous": {"a": "1.5"}}, "error", "not a bigint string")
  f.add("delta(a) == 0", {"a": [1], "_previous": {"a": [1]}}, "error", "not a number")
  f.add("delta(a) > 0", {"a": 3, "_previous": {"a": 3}}, "fail")
  f.group("compile")
  f.add("changed(1)", {}, "error", "temporal argument must be a bare path")
  f.add("changed(a + 1)", {"a": 1}, "error", "temporal argument must be a bare path")
  f.add("previous('a') == null", {}, "error", "temporal argument must be a bare path")
  f.add("delta() == 0", {}, "error", "arity")
  f.add("changed(a, b)", {}, "error", "arity")
  return f


def syntax():
  f = CorpusFile("syntax.jsonl", "syntax")
  f.group("trailing")
  note = "trailing tokens are a compile error; the reference ignores them (DESIGN 2)"
  f.add("true true", {}, "error", note, divergence=True)
  f.add("a == 1 b", {"a": 1}, "error", note, divergence=True)
  f.add("1 == 1 )", {}, "error", note, divergence=True)
  f.add("true false", {}, "error", note, divergence=True)
  f.add("a == 1 'x'", {"a": 1}, "error", note, divergence=True)
  f.add("(true) (true)", {}, "error", note, divergence=True)
  f.add("1 2", {}, "error", note, divergence=True)
  f.group("lexical")
  f.add("a = 1", {"a": 1}, "error", "a lone = is an error")
  f.add("a & b", {"a": True, "b": True}, "error", "a lone & is an error")
  f.add("a | b", {"a": True, "b": True}, "error", "a lone | is an error")
  f.add("a == 1 # comment", {"a": 1}, "error", "# is not a token")
  f.add("@a", {}, "error")
  f.add("a == $", {}, "error")
  f.add("a ~ 1", {}, "error")
  f.add("\"x\" == a", {"a": "x"}, "error", "double quotes are an error")
  f.add("'abc", {}, "error", "unterminated string")
  f.add("a === 1", {"a": 1}, "error")
  f.add("a !== 1", {"a": 1}, "error")
  f.add("a <> 1", {"a": 1}, "error")
  f.add("a =< 1", {"a": 1}, "error")
  f.add("1e3 == 1000", {}, "error", "no exponent in number literals")
  f.add("0x10 == 16", {}, "error", "no hex literals")
  f.add(".5 == 0.5", {}, "error", "a number starts with a digit")
  f.add("\u00e9t\u00e9 == 1", {}, "error", "identifiers are ASCII")
  f.group("structure")
  f.add("", {}, "error", "empty expression")
  f.add("   ", {}, "error", "blank expression")
  f.add("(1 == 1", {}, "error", "unclosed parenthesis")
  f.add("()", {}, "error")
  f.add("!", {}, "error")
  f.add("&& true", {}, "error")
  f.add("true &&", {}, "error")
  f.add("true ||", {}, "error")
  f.add("true =>", {}, "error")
  f.add("=> true", {}, "error")
  f.add("1 +", {}, "error")
  f.add("a ==", {}, "error")
  f.add("== 1", {}, "error")
  f.add(",", {}, "error")
  f.add("[1, 2", {}, "error", "unclosed array")
  f.add("[,] == a", {}, "error")
  f.add("a.", {}, "error")
  f.add("a..b == 1", {}, "error")
  f.add("a.1 == 1", {}, "error", "member names are identifiers")
  f.add("a[ == 1", {}, "error")
  f.add("a[x] == 1", {"a": [1], "x": 0}, "error", "index must be a number literal")
  f.add("a['k'] == 1", {"a": {"k": 1}}, "error", "index must be a number literal")
  f.add("a.b(1)", {}, "error", "no methods other than the quantifiers")
  f.add("a < b < c", {"a": 1, "b": 2, "c": 3}, "error",
        "comparisons do not chain; the reference silently evaluates a < b", divergence=True)
  f.add("a == b == c", {"a": 1, "b": 1, "c": True}, "error", "comparisons do not chain",
        divergence=True)
  f.group("call")
  f.add("foo(1)", {}, "error", "unknown function", error_contains="unknown function")
  f.add("Len(a) == 0", {"a": []}, "error", "names are case-sensitive: Len is unknown",
        error_contains="unknown function")
  f.add("bigint_gte_x(1, 2)", {}, "error", "unknown function", error_contains="unknown function")
  f.add("false && foo(1)", {}, "error", "unknown function is a compile error even when unreachable",
        error_contains="unknown function")
  f.add("len() == 0", {}, "error", "wrong arity")
  f.add("len(a, b) == 0", {}, "error", "wrong arity")
  f.add("bigint_gte(1)", {}, "error", "wrong arity")
  f.add("bigint_gte(1, 2, 3)", {}, "error", "wrong arity")
  f.add("now(1) == 'x'", {}, "error", "wrong arity")
  f.add("len(a,) == 0", {"a": []}, "error", "trailing comma in arguments")
  f.add("len(a == 0", {"a": []}, "error", "unclosed call")
  f.add("bigint_sum(a, f) == 0", {"a": [], "f": "x"}, "error",
        "the field argument must be a string literal")
  f.add("unique_values(a, f)", {"a": [], "f": "id"}, "error",
        "the field argument must be a string literal")
  f.add("matches(s, p)", {"s": "a", "p": "a"}, "error", "the pattern must be a string literal")
  f.group("literal-types")
  f.add("'a' < 1", {}, "error", "literal type mismatch")
  f.add("1 > 'a'", {}, "error", "literal type mismatch")
  f.add("'a' <= 'b' && 'x' >= 2", {}, "error", "literal type mismatch")
  f.add("-'a' == 1", {}, "error", "unary minus on a string")
  f.group("whitespace")
  f.add("  a   ==\t1  ", {"a": 1}, "pass", "whitespace (spaces, tab) is skipped")
  f.add("a==1&&b!=2", {"a": 1, "b": 3}, "pass", "no whitespace needed")
  f.add("a\n==\n1", {"a": 1}, "pass", "newlines are whitespace")
  f.add("( ( a ) ) == 1", {"a": 1}, "pass")
  return f


def limits():
  f = CorpusFile("limits.jsonl", "limits")
  f.group("parens")
  note = "nesting limit counts real nesting (DESIGN 2, 12; limit >= 64)"
  f.add("(" * 60 + "true" + ")" * 60, {}, "pass", note + ": 60 nested parentheses are fine")
  f.add("(" * 65 + "true" + ")" * 65, {}, "error", note + ": 65 nested parentheses exceed it")
  f.add("(" * 200 + "true" + ")" * 200, {}, "error", note)
  f.add("(" * 100000 + "true" + ")" * 100000, {}, "error",
        "100,000 nested parentheses: a clean error, no stack overflow")
  f.add("(" * 5000, {}, "error", "unbalanced deep nesting: an error, no crash")
  f.group("not")
  f.add("!" * 60 + "true", {}, "pass", note + ": 60 nested ! (even) is true")
  f.add("!" * 59 + "true", {}, "fail", note + ": 59 nested ! (odd) is false")
  f.add("!" * 200 + "true", {}, "error", note)
  f.add("-" * 100000 + "1 == 1", {}, "error", "100,000 nested unary minus: a clean error")
  f.group("calls")
  nested = "0"
  for _ in range(30):
    nested = f"bigint_add({nested}, 1)"
  f.add(nested + " == 30", {}, "pass", note + ": 30 nested calls are fine")
  flat = " && ".join(f"bigint_gte(a{i}, b{i})" for i in range(40))
  data = {}
  for i in range(40):
    data[f"a{i}"] = i + 1
    data[f"b{i}"] = i
  f.add(flat, data, "pass",
        "a flat conjunction of 40 two-argument calls; the reference counts depth cumulatively "
        "and overflows at 16", divergence=True)
  data_fail = dict(data)
  data_fail["b39"] = 1000
  f.add(flat, data_fail, "fail", "the same flat conjunction, last call false", divergence=True)
  f.group("flat")
  flat = " && ".join(f"a == {1}" for _ in range(200))
  f.add(flat, {"a": 1}, "pass", "a flat chain of 200 conjuncts is not nesting")
  flat = " || ".join(f"a == {i}" for i in range(200))
  f.add(flat, {"a": 199}, "pass", "a flat chain of 200 disjuncts is not nesting")
  f.add("a in [" + ", ".join(str(i) for i in range(1000)) + "]", {"a": 999}, "pass",
        "an array literal of 1,000 elements")
  f.group("quantifier-steps")
  note = "step limit: 1,000,000 body evaluations per rule evaluation (LANGUAGE.md)"
  a100 = {"a": list(range(100))}
  f.add("a.every(x => a.every(y => true))", a100, "pass", note + ": 10,100 steps")
  f.add("a.every(x => a.every(y => a.every(z => true)))", {"a": list(range(200))}, "error",
        note + ": 8,040,200 steps exceed it", error_contains="limit")
  f.add("a.every(x => a.every(y => a.every(z => a.every(w => true))))",
        {"a": list(range(1000))}, "error", note + ": 10^12 steps must stop early, not hang",
        error_contains="limit")
  f.add("a.every(x => a.every(y => a.every(z => true))) || true", {"a": list(range(200))}, "pass",
        "a step-limit error is absorbed like any error")
  nested = "true"
  for depth in range(10, 0, -1):
    nested = f"a.every(x{depth} => {nested})"
  f.add(nested, {"a": [1]}, "pass", "10 nested quantifiers over one element")
  f.group("data-steps")
  note = ("step limit: the data an operation visits counts too, a step per element and per 64 "
          "bytes (LANGUAGE.md); the reference counts body evaluations only")
  a100 = {"a": list(range(100))}
  f.add("a.every(x => a.every(y => s == t))", dict(a100, s="s" * 6400, t="s" * 6400), "error",
        note + ": 10,100 steps and 10,000 comparisons of 6,400 bytes (100 steps each)",
        error_contains="step limit", divergence=True)
  f.add("a.every(x => a.every(y => s == t))", dict(a100, s="s" * 6300, t="s" * 6300), "pass",
        "the same with 6,300-byte strings: 98 steps per comparison, 990,100 in all")
  f.add("a.every(x => a.every(y => s < t))", dict(a100, s="s" * 6400, t="t" * 6400), "error",
        note + ": ordering compares the bytes the strings share", error_contains="step limit",
        divergence=True)
  f.add("a.every(x => a.every(y => !(-1 in a)))", a100, "error",
        note + ": `in` visits 100 elements each time", error_contains="step limit",
        divergence=True)
  f.add("a.every(x => a.every(y => bigint_sum(a) >= 0))", a100, "error",
        note + ": `bigint_sum` visits 100 elements each time", error_contains="step limit",
        divergence=True)
  a99 = {"a": list(range(99))}
  f.add("a.every(x => a.every(y => bigint_sum(a) >= 0))", a99, "pass",
        "the same over 99 elements: 9,900 + 99 + 9,801 × 99 = 980,298 steps")
  f.group("bigint")
  f.add("bigint_gte(a, 0)", {"a": "9" * 4096}, "pass", "4,096-digit bigint string is accepted")
  f.add("bigint_gte(a, 0)", {"a": "9" * 4097}, "error", "4,097-digit bigint string exceeds the cap")
  f.add("a > 0", {"a": int("9" * 300)}, "pass", "a 300-digit JSON integer")
  return f


def regex():
  f = CorpusFile("regex.jsonl", "regex")
  f.group("search")
  f.add("matches(s, 'abc')", {"s": "xxabcxx"}, "pass", "unanchored search (DESIGN 10)")
  f.add("matches(s, 'abd')", {"s": "xxabcxx"}, "fail")
  f.add("matches(s, '^abc')", {"s": "xxabc"}, "fail", "anchored by the pattern")
  f.add("matches(s, '^abc')", {"s": "abcxx"}, "pass")
  f.add("matches(s, 'abc$')", {"s": "xxabc"}, "pass")
  f.add("matches(s, '^abc$')", {"s": "abc"}, "pass")
  f.add("matches(s, '^abc$')", {"s": "abcd"}, "fail")
  f.add("matches(s, '')", {"s": "anything"}, "pass", "empty pattern matches")
  f.add("matches(s, '')", {"s": ""}, "pass")
  f.add("matches(s, '^[a-z]+-[0-9]{3}$')", {"s": "inv-042"}, "pass")
  f.add("matches(s, '^[0-9]{3}$')", {"s": "1234"}, "fail")
  f.add("matches(s, '(?i)^abc$')", {"s": "ABC"}, "pass", "inline flags")
  f.add("matches(s, '^abc$')", {"s": "ABC"}, "fail", "case-sensitive by default")
  f.add("!matches(s, 'x')", {"s": "abc"}, "pass")
  f.add("matches(s, 'a|b') && matches(s, 'c')", {"s": "bc"}, "pass")
  f.group("escape")
  note = "'\\d' and '\\\\d' are the same two characters backslash-d"
  f.add(r"matches(s, '^\d+$')", {"s": "123"}, "pass", note)
  f.add(r"matches(s, '^\\d+$')", {"s": "123"}, "pass", note)
  f.add(r"matches(s, '^\d+$')", {"s": "12a"}, "fail")
  f.add(r"matches(s, '\bfoo\b')", {"s": "a foo b"}, "pass")
  f.add(r"matches(s, '\bfoo\b')", {"s": "afoob"}, "fail")
  f.add(r"matches(s, 'it\'s')", {"s": "it's ok"}, "pass", r"\' in the pattern literal")
  f.add(r"matches(s, '^a\.b$')", {"s": "a.b"}, "pass")
  f.add(r"matches(s, '^a\.b$')", {"s": "axb"}, "fail")
  f.group("unicode")
  f.add(r"matches(s, '^\p{Lu}')", {"s": "\u00c9lan"}, "pass", "UTF mode, Unicode properties")
  f.add(r"matches(s, '^\p{Lu}')", {"s": "\u00e9lan"}, "fail")
  f.add("matches(s, '^.$')", {"s": "\U0001F600"}, "pass", "UTF mode: . is one code point")
  f.add("matches(s, '^..$')", {"s": "\U0001F600"}, "fail", "UTF mode: not two code units")
  f.add("matches(s, '^.$')", {"s": "e\u0301"}, "fail", "decomposed e-acute is two code points")
  f.add("matches(s, '\u00e9')", {"s": "caf\u00e9"}, "pass", "non-ASCII literal pattern")
  f.group("subject-error")
  f.add("matches(s, 'a')", {"s": 5}, "error", "the subject must be a string")
  f.add("matches(s, 'a')", {}, "error", "the subject must be a string (missing)")
  f.add("matches(s, 'a')", {"s": None}, "error", "the subject must be a string (null)")
  f.add("matches(s, 'a')", {"s": ["a"]}, "error", "the subject must be a string (array)")
  f.add("matches(s, 'a') || true", {"s": 5}, "pass", "subject error absorbed")
  f.group("compile")
  f.add("matches(s, p)", {"s": "a", "p": "a"}, "error", "the pattern must be a literal")
  f.add("matches(s, 'a' )", {"s": "a"}, "pass")
  f.add("matches(s, '(')", {"s": "a"}, "error", "invalid pattern is a compile error")
  f.add("matches(s, '[a-')", {"s": "a"}, "error", "invalid pattern is a compile error")
  f.add("matches(s, 'a{2,1}')", {"s": "a"}, "error", "invalid pattern is a compile error")
  f.add("false && matches(s, '(')", {"s": "a"}, "error", "compile error even when unreachable")
  f.add("matches(s)", {"s": "a"}, "error", "arity")
  f.add("matches(s, 'a', 'i')", {"s": "a"}, "error", "arity")
  f.add("matches(s, 5)", {"s": "a"}, "error", "the pattern must be a string literal")
  f.group("automaton")
  note = "anchored ASCII pattern: matched by the automaton (docs/LANGUAGE.md)"
  f.add("matches(s, '^(0|-?[1-9][0-9]*)$')", {"s": "-25373"}, "pass", note)
  f.add("matches(s, '^(0|-?[1-9][0-9]*)$')", {"s": "-0"}, "fail", note)
  f.add("matches(s, '^(0|-?[1-9][0-9]*)$')", {"s": "007"}, "fail", note)
  f.add("matches(s, '^(0|-?[1-9][0-9]*)$')", {"s": "12\n"}, "fail", "$ only at the very end")
  f.add("matches(s, '^[^a]$')", {"s": "\u00e9"}, "pass",
        "a UTF-8 character is left to PCRE2: one code point")
  f.add("matches(s, '^[0-9]*[0-9]*[0-9]*[0-9]*[0-9]*[a-z]$')", {"s": "7" * 300}, "fail",
        "linear-time automaton: answered where PCRE2 alone would reach its match limit")
  f.group("limit")
  f.add("matches(s, '^(a+)+$')", {"s": "a" * 45 + "!"}, "error",
        "catastrophic backtracking hits the match limit: an error, never false (DESIGN 10)")
  f.add("matches(s, '^(a+)+$')", {"s": "a" * 45}, "pass", "the same pattern matches quickly")
  f.add("matches(s, '^(||(?1)|)$')", {"s": "bb"}, "error",
        "a recursion looping in place: an error at once (PCRE2's JIT ran for minutes)")
  return f


ALL = [literals, paths, equality, ordering, logic, arithmetic, membership, strings, quantifiers,
       types, temporal, syntax, limits, regex, comparisons]
