import Foundation
import Synchronization
import Testing

@testable import ConstraintEngine
import ConstraintEngineTestSupport

/// The compiled program's fast path: it decides the common case itself and leaves everything
/// else (errors, unusual types, big numbers, limits) to the general path, and whenever it
/// decides it agrees with the general path and the reference interpreter.
private let longConstant = "montant_r\u{E9}serv\u{E9}_d\u{E9}pass\u{E9}"

@Suite("Fast path")
struct FastPathTests {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  struct Case: Sendable, CustomTestStringConvertible {
    var expression: String
    var snapshot: String
    var types: [String: String] = [:]
    /// What the fast path must do: decide true, decide false, or give up (nil).
    var decision: Bool?
    var testDescription: String { "\(expression) over \(snapshot)" }
  }

  static let cases: [Case] = [
    Case(expression: "a > 1 && b == 'x'", snapshot: #"{"a": 2, "b": "x"}"#, decision: true),
    Case(expression: "a > 1 && b == 'x'", snapshot: #"{"a": 1, "b": "x"}"#, decision: false),
    // A decided left side short-circuits: the missing `b` is never read.
    Case(expression: "a > 1 && b < 3", snapshot: #"{"a": 0}"#, decision: false),
    Case(expression: "a > 1 || b < 3", snapshot: #"{"a": 2}"#, decision: true),
    // Ordering on a missing value is an error: the general path reports it.
    Case(expression: "a > 1 && b < 3", snapshot: #"{"a": 2}"#, decision: nil),
    // Equality with missing and null is decided (both equal null, never anything else).
    Case(expression: "a == null && b == null", snapshot: #"{"b": null}"#, decision: true),
    Case(expression: "a != 1", snapshot: #"{}"#, decision: true),
    // `== null` on objects and arrays is decided too; a declared type is checked first.
    Case(expression: "p == null", snapshot: #"{"p": {"a": 1}}"#, decision: false),
    Case(expression: "null != p", snapshot: #"{"p": [1]}"#, decision: true),
    Case(
      expression: "p != null => bigint_gte(p.amount, cost)",
      snapshot: #"{"p": {"amount": "10"}, "cost": "4"}"#, decision: true),
    Case(
      expression: "p == null", snapshot: #"{"p": 1}"#, types: ["p": "string"], decision: nil),
    Case(
      expression: "p == null", snapshot: #"{"p": "x"}"#, types: ["p": "string"],
      decision: false),
    Case(
      expression: "p == null", snapshot: #"{"p": null}"#, types: ["p": "string"],
      decision: true),
    Case(expression: "'5' == a", snapshot: #"{"a": 5}"#, decision: false),
    // Ordering across types is an error.
    Case(expression: "a < 5", snapshot: #"{"a": "4"}"#, decision: nil),
    Case(expression: "a < 'b'", snapshot: #"{"a": "a"}"#, decision: true),
    // A path against a constant is compared in place, the constant on either side.
    Case(expression: "0 < a && 10 >= a", snapshot: #"{"a": 10}"#, decision: true),
    Case(expression: "'b' > s", snapshot: #"{"s": "a"}"#, decision: true),
    Case(expression: "a == true", snapshot: #"{}"#, decision: false),
    Case(expression: "true != a", snapshot: #"{"a": null}"#, decision: true),
    Case(expression: "a == 'x'", snapshot: #"{"a": 5}"#, decision: false),
    Case(expression: "a != 5", snapshot: #"{"a": "5"}"#, decision: true),
    Case(expression: "a < 'x'", snapshot: #"{"a": 5}"#, decision: nil),
    Case(expression: "a > 1", snapshot: #"{"a": true}"#, decision: nil),
    Case(expression: "a >= 0", snapshot: #"{"a": null}"#, decision: nil),
    Case(
      expression: "a >= 3", snapshot: #"{"a": "-12"}"#, types: ["a": "bigint"],
      decision: false),
    // An exact integer against a canonical integer string literal compares the integers.
    Case(
      expression: "a == '12'", snapshot: #"{"a": "12"}"#, types: ["a": "bigint"],
      decision: true),
    Case(
      expression: "'13' == a", snapshot: #"{"a": "12"}"#, types: ["a": "bigint"],
      decision: false),
    Case(
      expression: "a != '0'", snapshot: #"{"a": "007"}"#, types: ["a": "bigint"],
      decision: true),
    Case(
      expression: "a >= '3'", snapshot: #"{"a": 3}"#, types: ["a": "bigint"], decision: true),
    Case(
      expression: "a == '0'", snapshot: #"{"a": "x"}"#, types: ["a": "bigint"], decision: nil),
    Case(
      expression: "a == null", snapshot: #"{"a": "0"}"#, types: ["a": "bigint"],
      decision: false),
    Case(
      expression: "previous(a) == null", snapshot: #"{"a": "1", "_previous": {}}"#,
      types: ["a": "bigint"], decision: true),
    Case(
      expression: "null != bigint_sum(parts)", snapshot: #"{"parts": ["1"]}"#, decision: true),
    // An exact integer against a digit string read from the data compares the integers; a
    // string that is not digits is the general path's (an error).
    Case(
      expression: "bigint_sum(parts) == total",
      snapshot: #"{"parts": ["400", "600"], "total": "1000"}"#, decision: true),
    Case(
      expression: "bigint_sum(parts, 'v') != total",
      snapshot: #"{"parts": [{"v": "400"}, {"v": 600}], "total": "1001"}"#, decision: true),
    Case(
      expression: "total == bigint_add(a, b)",
      snapshot: #"{"a": "400", "b": "600", "total": "1e3"}"#, decision: nil),
    Case(
      expression: "bigint_sum(parts) == total", snapshot: #"{"parts": ["1"]}"#, decision: nil),
    // A field declared number holding a digit string is a type error, never an integer.
    Case(
      expression: "bigint_gte(n, 0)", snapshot: #"{"n": "5"}"#, types: ["n": "number"],
      decision: nil),
    Case(
      expression: "bigint_gte(n, 0) && bigint_lt(n, 9)", snapshot: #"{"n": "5"}"#,
      types: ["n": "integer"], decision: nil),
    Case(
      expression: "a == true", snapshot: #"{"a": "true"}"#, types: ["a": "boolean"],
      decision: nil),
    // Leaf lists: bigint comparisons with a read or a constant second, in && and ||.
    Case(
      expression: "bigint_gte(a, 3) || bigint_lt(a, b)", snapshot: #"{"a": "1", "b": "2"}"#,
      decision: true),
    Case(
      expression: "bigint_gte(a, 3) || bigint_lt(a, b)", snapshot: #"{"a": "2", "b": "2"}"#,
      decision: false),
    Case(expression: "bigint_gte(5, a) && a > 0", snapshot: #"{"a": 3}"#, decision: true),
    Case(
      expression: "bigint_gte(a, b) && a > 0", snapshot: #"{"a": "3", "b": null}"#,
      decision: nil),
    Case(
      expression: "bigint_gte(a, b) && s == 'x'", snapshot: #"{"a": "3", "b": "1", "s": 1}"#,
      types: ["s": "string"], decision: nil),
    // Two bigint fields holding digit strings of up to 15 digits are compared as digit
    // fields; signs, longer strings and anything else are read as integers or given up.
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "0999", "s": "1000"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_gt(l, s)", snapshot: #"{"l": "123456789012345", "s": "123456789012344"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_gt(l, s)", snapshot: #"{"l": "1234567890123456", "s": "1"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "99999999", "s": "100000000"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_gte(l, s)", snapshot: #"{"l": "100000000", "s": "099999999"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_eq(l, s)", snapshot: #"{"l": "00000000", "s": "0"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "-5", "s": "3"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_gt(l, s)", snapshot: #"{"l": "3", "s": "-12345678901234"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_eq(l, s)", snapshot: #"{"l": "7", "s": 7}"#,
      types: ["l": "bigint", "s": "bigint"], decision: true),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "12a", "s": "3"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: nil),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "", "s": "3"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: nil),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "٣", "s": "3"}"#,
      types: ["l": "bigint", "s": "bigint"], decision: nil),
    // Decimals and integers past 64 bits are the general path's.
    Case(expression: "a < 5", snapshot: #"{"a": 4.5}"#, decision: nil),
    Case(expression: "a > 5", snapshot: #"{"a": 99999999999999999999}"#, decision: nil),
    Case(
      expression: "bigint_gte(l, s)", snapshot: #"{"l": "1000", "s": "999"}"#, decision: true),
    // Undeclared fields holding digit strings are compared as digit fields too.
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "0999", "s": "1000"}"#, decision: true),
    Case(
      expression: "bigint_gte(l, s)",
      snapshot: #"{"l": "123456789012344", "s": "123456789012345"}"#, decision: false),
    Case(
      expression: "bigint_gt(l, s)", snapshot: #"{"l": "1234567890123456", "s": "99"}"#,
      decision: true),
    Case(
      expression: "bigint_eq(l, s)", snapshot: #"{"l": "00000000", "s": "0"}"#, decision: true),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "-5", "s": "3"}"#, decision: true),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "12a", "s": "3"}"#, decision: nil),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "", "s": "3"}"#, decision: nil),
    Case(
      expression: "bigint_gt(l, s)", snapshot: #"{"l": "-0", "s": "0"}"#, decision: false),
    Case(
      expression: "bigint_eq(l, s)", snapshot: #"{"l": "007", "s": 7}"#, decision: true),
    Case(
      expression: "bigint_lt(l, s)", snapshot: #"{"l": "1000000000000000000", "s": "1"}"#,
      decision: nil),
    Case(expression: "bigint_lte(l, s)", snapshot: #"{"l": "1e3", "s": "1"}"#, decision: nil),
    Case(expression: "bigint_lte(l, s)", snapshot: #"{"l": "+1", "s": "1"}"#, decision: nil),
    Case(expression: "bigint_lte(l, s)", snapshot: #"{"l": null, "s": "1"}"#, decision: nil),
    Case(
      expression: "bigint_sum(xs, 'v') == 5",
      snapshot: #"{"xs": [{"v": "2"}, {"v": null}, {}, 7, {"v": 3}]}"#, decision: true),
    Case(
      expression: "bigint_sum(xs) == 0", snapshot: #"{"xs": [1, "x"]}"#, decision: nil),
    Case(
      expression: "bigint_sum(xs) > 0",
      snapshot: #"{"xs": [9223372036854775807, 1]}"#, decision: nil),
    // Declared types: a bigint field holding a digit string compares as an integer; data of
    // the wrong type is an error.
    Case(
      expression: "amount >= 0", snapshot: #"{"amount": "12"}"#, types: ["amount": "bigint"],
      decision: true),
    Case(
      expression: "amount >= 0", snapshot: #"{"amount": true}"#, types: ["amount": "bigint"],
      decision: nil),
    Case(
      expression: "name == 'x'", snapshot: #"{"name": 1}"#, types: ["name": "string"],
      decision: nil),
    Case(
      expression: "xs.every(x => x.v > 0)", snapshot: #"{"xs": [{"v": 1}, {"v": 2}]}"#,
      decision: true),
    Case(
      expression: "xs.every(x => x.v > 0)", snapshot: #"{"xs": [{"v": 1}, {"v": 0}]}"#,
      decision: false),
    // An error in an element the general path would absorb or report: the fast path gives up.
    Case(
      expression: "xs.some(x => x.v > 0)", snapshot: #"{"xs": [{}, {"v": 1}]}"#,
      decision: nil),
    Case(expression: "xs.none(x => x == 3)", snapshot: #"{"xs": [1, 2]}"#, decision: true),
    Case(expression: "xs.every(x => x > 0)", snapshot: #"{}"#, decision: nil),
    Case(
      expression: "xs.every(x => ys.some(y => y == x))",
      snapshot: #"{"xs": [1, 2], "ys": [2, 1]}"#, decision: true),
    Case(expression: "xs.length == 2", snapshot: #"{"xs": [1, 2]}"#, decision: true),
    Case(expression: "s.length == 2", snapshot: #"{"s": "😀"}"#, decision: true),
    Case(expression: "matches(id, '^tx_[0-9]+$')", snapshot: #"{"id": "tx_12"}"#, decision: true),
    Case(expression: "matches(id, '^tx_[0-9]+$')", snapshot: #"{"id": 12}"#, decision: nil),
    Case(expression: "state == 'a' => at != null", snapshot: #"{"state": "b"}"#, decision: true),
    Case(expression: "state == 'a' => at != null", snapshot: #"{"state": "a"}"#, decision: false),
    Case(expression: "!(a == 1)", snapshot: #"{"a": 1}"#, decision: false),
    // `previous(p)`: missing without `_previous`; the current value's type is checked first.
    Case(
      expression: "previous(e.state) == 'final' => e.state == 'final'",
      snapshot: #"{"e": {"state": "open"}, "_previous": {"e": {"state": "final"}}}"#,
      decision: false),
    Case(
      expression: "previous(e.state) == 'final' => e.state == 'final'",
      snapshot: #"{"e": {"state": "open"}, "_previous": null}"#, decision: true),
    Case(
      expression: "previous(e.state) == null", snapshot: #"{"_previous": {"e": {}}}"#,
      decision: true),
    Case(
      expression: "previous(e.state) == 'x'", snapshot: #"{"e": {"state": 1}, "_previous": {}}"#,
      types: ["e.state": "string"], decision: nil),
    Case(
      expression: "previous(e.state) == 'x'",
      snapshot: #"{"e": {"state": "x"}, "_previous": {"e": {"state": 2}}}"#,
      types: ["e.state": "string"], decision: nil),
    // A rule's value must be a boolean.
    Case(expression: "a", snapshot: #"{"a": 1}"#, decision: nil),
    Case(expression: "a && true", snapshot: #"{"a": "yes"}"#, decision: nil),
    Case(expression: "(a > 1) == true", snapshot: #"{"a": 2}"#, decision: true),
    Case(expression: "xs[1] == 2", snapshot: #"{"xs": [1, 2]}"#, decision: true),
    Case(expression: "xs[5] == null", snapshot: #"{"xs": [1, 2]}"#, decision: true),
    // Strings are compared by scalars, without normalisation.
    Case(expression: "s == 'é'", snapshot: #"{"s": "e\u0301"}"#, decision: false),
  ] + rootFieldCases

  /// Bigint leaves over two fields of the snapshot (read from its members found once): digit
  /// strings compared as fields, and everything else decided or left as for any leaf.
  static let rootFieldCases: [Case] = {
    let rule = "bigint_gte(a, b) && bigint_lt(c, a)"
    let snapshots: [(String, Bool?)] = [
      (#"{"a": "10", "b": "9", "c": "3"}"#, true),
      (#"{"c": "3", "b": "9", "a": "10"}"#, true),
      (#"{"a": "10", "b": "11", "c": "3"}"#, false),
      (#"{"a": "10", "b": "9", "c": "10"}"#, false),
      (#"{"a": "999999999999999", "b": "999999999999998", "c": "0"}"#, true),
      (#"{"a": "1000000000000000", "b": "999999999999999", "c": "7"}"#, true),
      (#"{"a": 10, "b": "9", "c": 3}"#, true),
      (#"{"a": "-1", "b": "-2", "c": "-3"}"#, true),
      (#"{"a": "1", "b": "-2", "c": "2"}"#, false),
      (#"{"a": "1x", "b": "1", "c": "0"}"#, nil),
      (#"{"a": "10", "c": "3"}"#, nil),
      (#"{"a": null, "b": "1", "c": "0"}"#, nil),
      (#"{"a": "", "b": "1", "c": "0"}"#, nil),
      (#"{"a": true, "b": "1", "c": "0"}"#, nil),
      (#"{"a": "1.5", "b": "1", "c": "0"}"#, nil),
      (#"{"a": "99999999999999999999", "b": "1", "c": "0"}"#, nil),
      (#"[1, 2]"#, nil),
      (#"{"a": {"a": "1"}, "b": "1", "c": "0"}"#, nil),
    ]
    var cases = snapshots.map { Case(expression: rule, snapshot: $0.0, decision: $0.1) }
    cases.append(
      Case(
        expression: rule, snapshot: #"{"a": "10", "b": "9", "c": "3"}"#,
        types: ["a": "bigint", "b": "bigint"], decision: true))
    cases.append(
      Case(
        expression: rule, snapshot: #"{"a": "10", "b": "9", "c": "3"}"#, types: ["a": "string"],
        decision: nil))
    return cases
  }()

  /// Which bigint leaves read two fields of the snapshot itself.
  @Test func rootFieldLeaves() throws {
    func flags(_ expression: String, types: FieldTypes = [:]) throws -> [Bool] {
      let program = try Compiler.compile(expression, options: CompileOptions(types: types))
      let leaves = try #require(program.fastRoot?.leaves)
      return leaves.map(\.readsTwoRootFields)
    }
    #expect(try flags("bigint_gte(a, b) && bigint_lt(c, d)") == [true, true])
    #expect(try flags("bigint_gte(p.a, b) && bigint_gte(a, 5) && a > 1") == [false, false, false])
    #expect(try flags("bigint_gte(a, xs[0]) || bigint_gte(a, b)") == [false, true])
    var types: FieldTypes = [:]
    types[try #require(FieldPath(parsing: "a"))] = FieldType(declaration: "string")
    types[try #require(FieldPath(parsing: "b"))] = FieldType(declaration: "bigint")
    #expect(try flags("bigint_gte(a, b) && bigint_gte(b, c)", types: types) == [false, true])
  }

  @Test(arguments: cases)
  func decidesTheCommonCaseAndLeavesTheRest(_ testCase: Case) throws {
    var types: FieldTypes = [:]
    for (path, declaration) in testCase.types {
      types[try #require(FieldPath(parsing: path))] = FieldType(declaration: declaration)
    }
    let program = try Compiler.compile(testCase.expression, options: CompileOptions(types: types))
    let snapshot = try JSONReader.read(testCase.snapshot)
    #expect(program.fastDecision(snapshot) == testCase.decision)
    #expect(FuzzChecks.fastPathProblem(program, snapshot, context: .empty) == nil)
    let reference = program.evaluateWithReferenceInterpreter(snapshot)
    #expect(ConformanceTests.same(program.evaluate(snapshot), reference))
  }

  /// Digit strings read as integers (eight digits at a time where eight remain) agree with a
  /// plain reading, for every length up to 20, with a non-digit anywhere, and with signs.
  /// The fast path's conditions are trivial values (constant strings live in the program's
  /// storage): visiting one copies no reference-counted payload (perf19: a `String` in
  /// ``FastOperand`` made every copy a value-witness call, +3,300 instructions per snapshot
  /// on the billing rule set).
  @Test func conditionsAreTrivial() {
    #expect(_isPOD(FastCondition.self))
    #expect(_isPOD(FastOperand.self))
    #expect(_isPOD(FastLeaf.self))
  }

  /// A string constant against an operand the fast path does not compare in place
  /// (`previous(s)`), decided through the constant kept in the program's storage.
  @Test func stringConstantsOutsideLeaves() throws {
    let equal = try Compiler.compile("previous(s) == 'abc'")
    let order = try Compiler.compile("previous(s) < 'abd'")
    #expect(equal.fastPath != nil && order.fastPath != nil)
    let same = try JSONReader.read(#"{"s": "x", "_previous": {"s": "abc"}}"#)
    let other = try JSONReader.read(#"{"s": "x", "_previous": {"s": "abe"}}"#)
    #expect(equal.fastDecision(same) == true)
    #expect(equal.fastDecision(other) == false)
    #expect(order.fastDecision(same) == true)
    #expect(order.fastDecision(other) == false)
  }

  @Test func digitStringsReadAsIntegers() {
    var generator = SystemRandomNumberGenerator()
    let others: [Character] = ["/", ":", "a", " ", "+", "-", ".", "\u{7F}", "0"]
    for length in 0...20 {
      for trial in 0..<200 {
        var text = String((0..<length).map { _ in Character(String(Int.random(in: 0...9))) })
        if trial % 3 == 1, length > 0 {
          var characters = Array(text)
          characters[Int.random(in: 0..<length, using: &generator)] = others.randomElement()!
          text = String(characters)
        }
        if trial % 5 == 2 { text = "-" + text }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let wellFormed = !digits.isEmpty && digits.count <= 18 && digits.allSatisfy(\.isASCII)
          && digits.allSatisfy { $0.isNumber }
        let expected = wellFormed ? Int(text) : nil
        #expect(FastEvaluator.smallInteger(text) == expected, "\(text)")
      }
    }
    #expect(FastEvaluator.smallInteger("123456789012345678") == 123_456_789_012_345_678)
    #expect(FastEvaluator.smallInteger("-99999999") == -99_999_999)
    #expect(FastEvaluator.smallInteger("1234567:") == nil)
    #expect(FastEvaluator.smallInteger("1234567/") == nil)
  }

  /// The standard library's layout, which the fast path reads strings and object members
  /// through, holds here when it is compiled in (otherwise no rule would get a fast path); a
  /// portable build (`-D CONSTRAINT_PORTABLE_LAYOUT`) compiles it out and still has a fast
  /// path, on portable code.
  @Test func standardLibraryLayoutGate() {
    #expect(StandardLibraryLayout.holds == StandardLibraryLayout.isCompiledIn)
    #expect(StandardLibraryLayout.permitsFastPath)
    #if CONSTRAINT_PORTABLE_LAYOUT
      #expect(!StandardLibraryLayout.isCompiledIn && StandardLibraryLayout.mode == "portable")
      #expect(StandardLibraryLayout.inlineASCII("12") == nil)
      #expect(!StandardLibraryLayout.identicalBits("same", "same"))
    #else
      #expect(StandardLibraryLayout.mode == "layout")
      #expect(StandardLibraryLayout.inlineASCII("12")?.count == 2)
      #expect(StandardLibraryLayout.identicalBits("same", "same"))
    #endif
  }

  /// Two digit strings compared in place as digit fields order as their numbers do, and
  /// anything but 1 to 15 digits without a sign is left to the integer reading.
  @Test func digitStringsCompareInPlace() {
    let alphabet: [Character] = ["0", "0", "1", "5", "9", "-", "a", ":", "/", "\u{663}"]
    func randomText() -> String {
      let length = Int.random(in: 0...17)
      if Bool.random() {
        return String((0..<length).map { _ in Character(String(Int.random(in: 0...9))) })
      }
      return String((0..<length).map { _ in alphabet.randomElement()! })
    }
    func field(_ text: String) -> Int? {
      let isDigits = (1...15).contains(text.utf8.count)
        && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
      return isDigits ? Int(text) : nil
    }
    var compared = 0
    for _ in 0..<20_000 {
      let (x, y) = (randomText(), randomText())
      var expected: Int?
      // Digit strings are compared in place only when the layout is there to read them from.
      if StandardLibraryLayout.holds, let p = field(x), let q = field(y) {
        expected = p < q ? -1 : (p == q ? 0 : 1)
        compared += 1
      }
      #expect(FastEvaluator.digitStringOrder(x, y) == expected, "\(x) vs \(y)")
    }
    #expect(compared > 1_000 || !StandardLibraryLayout.holds)
  }

  /// One byte that is not a digit, in any of the four words two digit fields make, in either
  /// operand and at any position, leaves the pair to the integer reading.
  @Test func digitStringsWithOneOtherByte() {
    guard StandardLibraryLayout.holds else { return }
    var checked = 0
    for count in 1...15 {
      let digits = Array(String(repeating: "9", count: count).utf8)
      for position in 0..<count {
        for byte in [0x2F, 0x3A, 0x20, 0x7F, 0x40, 0x69, 0x00] as [UInt8] {
          var other = digits
          other[position] = byte
          let text = String(decoding: other, as: UTF8.self)
          for partner in ["7", "123456789", "999999999999999"] {
            #expect(FastEvaluator.digitStringOrder(text, partner) == nil, "\(other)")
            #expect(FastEvaluator.digitStringOrder(partner, text) == nil, "\(other)")
            checked += 2
          }
        }
      }
      let text = String(decoding: digits, as: UTF8.self)
      #expect(FastEvaluator.digitStringOrder(text, "7") == 1)
      #expect(FastEvaluator.digitStringOrder("0", text) == -1)
      #expect(FastEvaluator.digitStringOrder(text, text) == 0)
    }
    #expect(checked == 15 * 16 / 2 * 7 * 6)
  }

  /// The step limit counts quantifier steps on both paths alike: the fast path gives up where
  /// the general path reports the limit.
  @Test func stepLimitIsLeftToTheGeneralPath() throws {
    let options = CompileOptions(evaluationLimits: EvaluationLimits(maximumSteps: 5))
    let program = try Compiler.compile("xs.every(x => ys.every(y => x != y))", options: options)
    let small = try JSONReader.read(#"{"xs": [1], "ys": [2, 3, 4, 5]}"#)
    #expect(program.fastDecision(small) == true)
    let large = try JSONReader.read(#"{"xs": [1, 2], "ys": [3, 4, 5]}"#)
    #expect(program.fastDecision(large) == nil)
    guard case .error(let diagnostic) = program.evaluate(large) else {
      Issue.record("expected the step limit error")
      return
    }
    #expect(diagnostic.message.contains("step limit"))
  }

  /// `usesFastPath: false` compiles without a fast path; the outcome is the same.
  @Test func theFastPathCanBeTurnedOff() throws {
    let source = "bigint_gte(l, s) && xs.every(x => x > 0)"
    let snapshot = try JSONReader.read(#"{"l": "5", "s": 4, "xs": [1, 2]}"#)
    let fast = try Compiler.compile(source)
    let general = try Compiler.compile(source, options: CompileOptions(usesFastPath: false))
    #expect(fast.fastDecision(snapshot) == true)
    #expect(general.fastPath == nil && general.fastDecision(snapshot) == nil)
    #expect(ConformanceTests.same(fast.evaluate(snapshot), general.evaluate(snapshot)))
  }

  /// The fast path is lowered from the checked node tree, not from the syntax: constants the
  /// compiler folded (`2 * 3`, `!(1 > 2)`) and `eq(a, b)` (compiled as `a == b`) are on it,
  /// and it decides as the general path does.
  @Test(arguments: ["a > 2 * 3", "eq(a, 7) && !(1 > 2)", "a != -(3)"])
  func theFastPathIsLoweredFromTheResolvedTree(_ expression: String) throws {
    let program = try Compiler.compile(expression)
    #expect(program.fastPath != nil)
    for text in [#"{"a": 7}"#, #"{"a": 5}"#, #"{"a": -3}"#] {
      let snapshot = try JSONReader.read(text)
      #expect(program.fastDecision(snapshot) != nil)
      #expect(FuzzChecks.fastPathProblem(program, snapshot, context: .empty) == nil)
    }
  }

  /// Expressions outside the fast path's subset compile without one.
  @Test(arguments: ["a + 1 > 2", "'x' in xs", "-a < 0", "xs.count(x => x > 1) > 0"])
  func expressionsOutsideTheSubsetHaveNoFastPath(_ expression: String) throws {
    let program = try Compiler.compile(expression)
    #expect(program.fastPath == nil)
  }

  /// The fast path reads an object entry's key at the start of the `(key, value)` tuple and
  /// its value at `StandardLibraryLayout.memberValueOffset`.
  @Test func entryLayoutIsWhatTheFastPathReads() {
    #expect(MemoryLayout<ObjectValue.Element>.offset(of: \ObjectValue.Element.key) == 0)
    #expect(
      MemoryLayout<ObjectValue.Element>.offset(of: \ObjectValue.Element.value)
        == StandardLibraryLayout.memberValueOffset)
  }

  /// A key stored as a large string is a different object in the rule and in the snapshot:
  /// it is still found, by its scalars; a key absent from the object reads as missing.
  @Test func keysAreFoundByScalarsWhateverTheirRepresentation() throws {
    let longKey = "a_key_longer_than_fifteen_bytes"
    let program = try Compiler.compile("\(longKey) == 1 && other == null")
    let snapshot = try JSONReader.read(#"{"a_key_longer_than_fifteen_bytes": 1, "x": 2}"#)
    #expect(program.fastDecision(snapshot) == true)
  }

  /// Key positions remembered from one snapshot are only hints: snapshots with their keys in
  /// other orders (or missing) read correctly, also when threads share the program and keep
  /// overwriting each other's hints.
  @Test func keyPositionHintsAreOnlyHints() throws {
    let program = try Compiler.compile("a == 1 && b == 2 && c.d == 3 && (e == null)")
    let texts = [
      #"{"a": 1, "b": 2, "c": {"d": 3}}"#,
      #"{"c": {"x": 0, "d": 3}, "b": 2, "a": 1}"#,
      #"{"b": 2, "e": null, "a": 1, "c": {"d": 3}}"#,
      #"{"a": 1, "c": {"d": 4}, "b": 2}"#,
      #"{"c": {"d": 3}, "a": 1}"#,
      #"{"e": 5, "a": 1, "b": 2, "c": {"d": 3}}"#,
    ]
    let snapshots = try texts.map { try JSONReader.read($0) }
    let expected: [Bool] = [true, true, true, false, false, false]
    for (snapshot, decision) in zip(snapshots, expected) {
      #expect(program.fastDecision(snapshot) == decision)
    }
    let mismatches = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: 8) { thread in
      var wrong = 0
      for round in 0..<2_000 {
        let index = (round &* 7 &+ thread) % snapshots.count
        if program.fastDecision(snapshots[index]) != expected[index] { wrong += 1 }
      }
      mismatches.withLock { $0 += wrong }
    }
    #expect(mismatches.withLock { $0 } == 0)
  }

  /// Keys of more than 15 bytes are allocated apart in the rule and in each snapshot, so a
  /// remembered position is checked by the key's scalars: a different key of the same length
  /// at that position is not taken for it, and keys in other orders are still found.
  @Test func longKeyPositionHintsAreCheckedByScalars() throws {
    let program = try Compiler.compile(
      "allocation_micro_first == 1 && nested.reserve_rate_micro_x == 2")
    let texts = [
      #"{"allocation_micro_first": 1, "nested": {"reserve_rate_micro_x": 2}}"#,
      #"{"allocation_micro_other": 1, "nested": {"reserve_rate_micro_x": 2}}"#,
      #"{"allocation_micro_first": 1, "nested": {"commit_rate_micro_xy": 2}}"#,
      #"{"nested": {"x": 0, "reserve_rate_micro_x": 2}, "allocation_micro_first": 1}"#,
      #"{"allocation_micro_other": 1, "allocation_micro_first": 3, "nested": {}}"#,
      #"{"allocation_micro_first": 1, "nested": {"reserve_rate_micro_y": 2}}"#,
    ]
    let snapshots = try texts.map { try JSONReader.read($0) }
    let expected: [Bool] = [true, false, false, true, false, false]
    for _ in 0..<3 {
      for (snapshot, decision) in zip(snapshots, expected) {
        #expect(program.fastDecision(snapshot) == decision)
        #expect(FuzzChecks.fastPathProblem(program, snapshot, context: .empty) == nil)
      }
    }
  }

  /// A rule's keys are compared as the UTF-8 bytes the program keeps, not as its strings:
  /// keys short enough to be inline and longer ones, against snapshot keys of the same UTF-8
  /// length that differ in their last byte or are not ASCII, are found or not exactly as the
  /// general path finds them, whatever order the members come in.
  @Test func ruleKeysAreComparedByTheirBytes() throws {
    let program = try Compiler.compile(
      "o.k == 2 && o.fifteen_bytes_x == 4 && o.sixteen_bytes_xy == 5"
        + " && o.a_key_of_thirty_three_bytes_xyz == 6")
    let members: [(String, Int)] = [
      ("k", 2), ("fifteen_bytes_x", 4), ("sixteen_bytes_xy", 5),
      ("a_key_of_thirty_three_bytes_xyz", 6),
    ]
    func renamed(_ old: String, _ new: String) -> [(String, Int)] {
      members.map { $0.0 == old ? (new, $0.1) : $0 }
    }
    let variants: [[(String, Int)]] = [
      members, members.reversed(), renamed("k", "K"),
      renamed("fifteen_bytes_x", "fifteen_bytes_y"),
      renamed("fifteen_bytes_x", "fifteen_bytes\u{E9}"),
      renamed("sixteen_bytes_xy", "sixteen_bytes_xz"),
      renamed("sixteen_bytes_xy", "sixteen_bytes_\u{E9}"),
      renamed("a_key_of_thirty_three_bytes_xyz", "a_key_of_thirty_three_bytes_xyZ"),
      [("sixteen_bytes_\u{E9}", 5)] + members + [("fifteen_bytes_y", 4)],
    ]
    let expected: [Bool] = [true, true, false, false, false, false, false, false, true]
    for _ in 0..<3 {
      for (variant, decision) in zip(variants, expected) {
        let lengths = Set(variant.map(\.0.utf8.count))
        #expect(lengths == Set(members.map(\.0.utf8.count)), "same lengths as the rule's keys")
        let text = variant.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
        let snapshot = try JSONReader.read("{\"o\": {\(text)}}")
        #expect(program.fastDecision(snapshot) == decision, "\(variant.map(\.0))")
        #expect(FuzzChecks.fastPathProblem(program, snapshot, context: .empty) == nil)
      }
    }
  }

  /// A path compared with a string constant reads the constant as the UTF-8 bytes the
  /// program keeps: equality and order against constants inline and out of line, ASCII or
  /// not, decide as the general path does for strings equal, of the same length differing in
  /// the last byte, prefixes and extensions of the constant.
  @Test(arguments: ["s == '\(longConstant)'", "s != '\(longConstant)'", "s < '\(longConstant)'",
    "s >= '\(longConstant)'", "s == 'court'", "s > 'caf\u{E9}'"])
  func stringConstantsAreComparedByTheirBytes(expression: String) throws {
    let program = try Compiler.compile(expression)
    #expect(program.fastPath != nil)
    let samples = [
      longConstant, String(longConstant.dropLast()) + "\u{E8}", String(longConstant.dropLast()),
      longConstant + "x", String(longConstant.dropLast(2)) + "x", "", "court", "courz", "caf\u{E9}",
      "cafe", "caf\u{E9}s",
    ]
    for sample in samples {
      let snapshot = Value.object(ObjectValue([("s", .string(sample))]))
      #expect(program.fastDecision(snapshot) != nil, "\(sample)")
      #expect(FuzzChecks.fastPathProblem(program, snapshot, context: .empty) == nil, "\(sample)")
    }
  }

  /// A string constant compared with a computed operand (`previous(s)`), or read as a bigint
  /// operand, is read as the bytes the program keeps: it decides as the general path does.
  @Test(arguments: [
    "previous(s) == '\(longConstant)'", "previous(s) != '\(longConstant)'",
    "previous(s) < '\(longConstant)'", "previous(s) >= 'court'", "'\(longConstant)' > previous(s)",
    "bigint_gte(s, '007')", "bigint_eq(s, '-0')", "bigint_lt(s, '0000000000000123')",
  ])
  func constantsAgainstComputedOperandsAreReadAsBytes(expression: String) throws {
    let program = try Compiler.compile(expression)
    #expect(program.fastPath != nil)
    let samples = [
      longConstant, String(longConstant.dropLast()) + "\u{E8}", String(longConstant.dropLast()),
      longConstant + "x", "", "court", "courz", "7", "-0", "0", "8", "123456789012345678",
    ]
    var decided = 0
    for previous in samples {
      for current in ["7", "0"] {
        let snapshot = Value.object(
          ObjectValue([
            ("s", .string(current)),
            ("_previous", .object(ObjectValue([("s", .string(previous))]))),
          ]))
        if program.fastDecision(snapshot) != nil { decided += 1 }
        #expect(
          FuzzChecks.fastPathProblem(program, snapshot, context: .empty) == nil,
          "\(previous), \(current)")
      }
    }
    #expect(decided == 2 * samples.count, "the fast path decides every sample")
  }

  /// `matches` on a string of at most 15 bytes reads its bytes where the snapshot holds it:
  /// strings of every length up to the inline form and past it, ASCII or not, empty or
  /// absent, match as the regex itself and the general path match them.
  @Test(arguments: ["^(0|-?[1-9][0-9]*)$", "^é+x?$", "[0-9]{3}", "^$"])
  func matchesReadsShortStringsInPlace(pattern: String) throws {
    let program = try Compiler.compile("matches(s, '\(pattern)')")
    let regex = try CompiledRegex(pattern: pattern)
    var samples = ["", "0", "-0", "12", "-12", "007", "x", "-", "é", "éé", "ééééééé", "éééééééx"]
    samples += (1...20).map { String(repeating: "9", count: $0) }
    samples += (1...20).map { "1" + String(repeating: "0", count: $0 - 1) + "é" }
    for sample in samples {
      let snapshot = Value.object(ObjectValue([("s", .string(sample))]))
      #expect(program.fastDecision(snapshot) == (try regex.matches(sample)), "\(sample)")
      #expect(FuzzChecks.fastPathProblem(program, snapshot, context: .empty) == nil)
    }
    let absent = Value.object(ObjectValue([("t", .string("1"))]))
    #expect(FuzzChecks.fastPathProblem(program, absent, context: .empty) == nil)
  }

  /// The bytes of a string held inline in a value, read in place, are its UTF-8 bytes; a
  /// string of more than 15 bytes is not held inline.
  @Test func smallStringBytesAreReadInPlace() {
    guard StandardLibraryLayout.holds else { return }
    for length in 0...20 {
      for text in [String(repeating: "a", count: length), String(repeating: "é", count: length / 2)]
      {
        var value = Value.string(text)
        let read = withUnsafePointer(to: &value) {
          StandardLibraryLayout.smallBytes(at: UnsafeRawPointer($0))
        }
        let utf8 = Array(text.utf8)
        guard utf8.count <= 15 else {
          #expect(read == nil, "\(text)")
          continue
        }
        guard let (low, high, count) = read else {
          Issue.record("\(text) is not read inline")
          continue
        }
        var words = (low, high)
        let bytes = withUnsafeBytes(of: &words) { Array($0.prefix(count)) }
        #expect(bytes == utf8, "\(text)")
      }
    }
  }

  /// A long chain of `&&` builds one flat list (in linear time) and decides; a chain of leaf
  /// tests only (comparisons with constants, bigint comparisons) becomes a list of leaves.
  @Test func longChainsAreFlat() throws {
    let leaves = (0..<5_000).map { "a >= \($0)" }
    let program = try Compiler.compile(leaves.joined(separator: " && "))
    guard case .leaves(let list, decisive: false) = program.fastPath else {
      Issue.record("expected one flat list of leaves")
      return
    }
    #expect(list.count == 5_000)
    #expect(program.fastDecision(try JSONReader.read(#"{"a": 4999}"#)) == true)
    #expect(program.fastDecision(try JSONReader.read(#"{"a": 10}"#)) == false)
    let mixed = (0..<3_000).map { $0 % 2 == 0 ? "a >= \($0)" : "!(a < \($0))" }
    let general = try Compiler.compile(mixed.joined(separator: " || "))
    guard case .any(let terms) = general.fastPath else {
      Issue.record("expected one flat list")
      return
    }
    #expect(terms.count == 3_000)
    #expect(general.fastDecision(try JSONReader.read(#"{"a": -1}"#)) == false)
    #expect(general.fastDecision(try JSONReader.read(#"{"a": 1}"#)) == true)
  }

  /// The shipped billing rules over the example snapshots: the fast path decides the rules
  /// it covers on well-formed snapshots, and agrees with the general path wherever it does.
  @Test func billingRulesOnTheExampleSnapshots() throws {
    let file = try RuleFileLoader.load(
      file: Self.root.appendingPathComponent("Rules/billing.constraints.json").path)
    let ruleSet = try RuleSet.compile([file]).get()
    let directory = Self.root.appendingPathComponent("Examples/snapshots")
    var snapshots: [Value] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    where name.hasSuffix(".json") {
      snapshots.append(try JSONReader.readFile(atPath: directory.appendingPathComponent(name).path))
    }
    for line in JSONLinesReader(path: directory.appendingPathComponent("stream.jsonl").path) {
      snapshots.append(try line.result.get())
    }
    var decided = 0
    var evaluated = 0
    for rule in ruleSet.rules {
      guard let program = rule.program else { continue }
      for snapshot in snapshots {
        evaluated += 1
        if program.fastDecision(snapshot) != nil { decided += 1 }
        let problem = FuzzChecks.fastPathProblem(program, snapshot, context: .empty)
        #expect(problem == nil, "\(rule.id): \(problem ?? "")")
      }
    }
    #expect(decided * 2 >= evaluated, "the fast path decided \(decided) of \(evaluated)")
    // Every billing rule has a fast path, and each decides the well-formed example snapshot.
    let okCommit = try JSONReader.readFile(
      atPath: directory.appendingPathComponent("ok-commit.json").path)
    for rule in ruleSet.rules {
      let program = try #require(rule.program)
      #expect(program.fastDecision(okCommit) != nil, "\(rule.id)")
    }
  }
}
