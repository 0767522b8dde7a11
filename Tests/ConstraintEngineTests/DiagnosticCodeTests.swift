import Foundation
import Testing

@testable import ConstraintEngine

@Suite("Diagnostic codes")
struct DiagnosticCodeTests {
  static let documentation: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let url = root.appendingPathComponent("docs/DIAGNOSTICS.md")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  }()

  /// `## CE1234: summary` headings of docs/DIAGNOSTICS.md, in order.
  static var documentedHeadings: [(code: String, summary: String)] {
    documentation.split(separator: "\n").compactMap { line in
      guard line.hasPrefix("## CE") else { return nil }
      let heading = line.dropFirst(3)
      guard let colon = heading.firstIndex(of: ":") else { return (String(heading), "") }
      return (
        String(heading[..<colon]),
        String(heading[heading.index(after: colon)...].drop(while: { $0 == " " }))
      )
    }
  }

  @Test func everyCodeIsDocumentedWithItsSummaryAndNothingElseIs() throws {
    #expect(!Self.documentation.isEmpty, "docs/DIAGNOSTICS.md not found")
    let headings = Self.documentedHeadings
    let documented = Dictionary(headings.map { ($0.code, $0.summary) }) { first, _ in first }
    #expect(documented.count == headings.count, "a code is documented twice")
    for code in DiagnosticCode.allCases {
      #expect(documented[code.rawValue] == code.summary, "\(code.rawValue) in DIAGNOSTICS.md")
    }
    let known = Set(DiagnosticCode.allCases.map(\.rawValue))
    for heading in headings {
      #expect(known.contains(heading.code), "\(heading.code) is documented but not a code")
    }
    // Every entry shows an example and a fix.
    let sections = Self.documentation.components(separatedBy: "\n## CE").dropFirst()
    #expect(sections.count == DiagnosticCode.allCases.count)
    for section in sections {
      #expect(section.contains("```") && section.contains("Fix: "), "CE\(section.prefix(4))")
    }
  }

  @Test func codesAreUniqueWellFormedAndInTheirPhaseRange() {
    let codes = DiagnosticCode.allCases.map(\.rawValue)
    #expect(Set(codes).count == codes.count)
    #expect(Set(DiagnosticCode.allCases.map(\.summary)).count == codes.count)
    for code in DiagnosticCode.allCases {
      let raw = code.rawValue
      #expect(raw.count == 6 && raw.hasPrefix("CE"))
      #expect(raw.dropFirst(2).allSatisfy(\.isASCII) && Int(raw.dropFirst(2)) != nil)
      let area: [DiagnosticPhase] =
        switch raw.dropFirst(2).first {
        case "1": [.lex, .parse]
        case "2": [.check]
        case "3": [.evaluate]
        case "4": [.json]
        case "5": [.ruleFile]
        default: [.regex]
        }
      #expect(area.contains(code.phase), "\(raw)")
    }
  }

  static let compileCases: [(source: String, code: DiagnosticCode)] = [
    ("a > .5", .invalidNumber),
    ("a == 'x", .unterminatedString),
    ("a == \"x\"", .doubleQuotedString),
    ("a === b", .unknownOperator),
    ("a == 1 # x", .unexpectedCharacter),
    ("", .emptyExpression),
    ("0 <= x < 10", .chainedComparison),
    ("a.", .expectedFieldName),
    ("a.length()", .lengthCalled),
    ("a.filter(x => x)", .unknownMethod),
    ("a.every(x)", .malformedQuantifier),
    ("a[b]", .invalidIndex),
    ("bigint_gte(a, b,)", .trailingComma),
    ("(a == 1", .unclosedDelimiter),
    ("a == ", .expectedOperand),
    ("a == 1 garbage", .unexpectedToken),
    ("1 + 2", .notBoolean),
    ("'abc' * 2 > 1", .operandType),
    ("nope(a)", .unknownFunction),
    ("bigint_gte(a)", .argumentCount),
    ("matches(a, b)", .argumentForm),
    ("matches(a, '[a-')", .invalidRegex),
  ]

  @Test(arguments: compileCases)
  func compileErrorsCarryTheirCode(_ source: String, _ code: DiagnosticCode) {
    do {
      _ = try Compiler.compile(source)
      Issue.record("`\(source)` compiled")
    } catch {
      #expect(error.diagnostics.first?.code == code, "`\(source)`: \(error.diagnostics)")
    }
  }

  static let evaluationCases: [(source: String, snapshot: String, code: DiagnosticCode)] = [
    ("a", #"{"a": 1}"#, .resultNotBoolean),
    ("a > 1", #"{}"#, .missingValue),
    ("a < b", #"{"a": "x", "b": 1}"#, .typeMismatch),
    ("a / b > 1", #"{"a": 1, "b": 0}"#, .divisionByZero),
    ("a.every(x => x)", #"{"a": 3}"#, .typeMismatch),
  ]

  @Test(arguments: evaluationCases)
  func evaluationErrorsCarryTheirCode(_ source: String, _ snapshot: String, _ code: DiagnosticCode)
    throws
  {
    let program = try Compiler.compile(source)
    let outcome = program.evaluate(try JSONReader.read(snapshot))
    guard case .error(let diagnostic) = outcome else {
      Issue.record("`\(source)` on \(snapshot): \(outcome)")
      return
    }
    #expect(diagnostic.code == code, "\(diagnostic)")
  }

  @Test func renderedDiagnosticsStartWithSeverityAndCode() throws {
    do {
      _ = try Compiler.compile("a == 1 garbage")
      Issue.record("compiled")
    } catch {
      let diagnostic = try #require(error.diagnostics.first)
      let rendered = DiagnosticRenderer().render(diagnostic, source: "a == 1 garbage")
      #expect(rendered.hasPrefix("error[CE1112]: unexpected `garbage`"))
      #expect(diagnostic.description == "1:8: error[CE1112]: " + diagnostic.message)
    }
  }

  @Test func ruleFileErrorsCarryTheirCode() {
    func codes(_ text: String) -> [DiagnosticCode] {
      do {
        _ = try RuleFileLoader.parse(text, path: "r.constraints.json")
        return []
      } catch {
        return error.diagnostics.map(\.code)
      }
    }
    #expect(codes("{") == [.ruleFileNotJSON])
    #expect(
      codes(#"{"schema_id": "S", "expression_version": "2.0", "constraints": [{"id": 1}]}"#)
        .contains(.ruleFileWrongType))
    #expect(
      codes(#"{"schema_id": "S", "expression_version": "2.0", "constraints": [{"id": "a"}]}"#)
        == [.ruleFileMissingKey])
    #expect(
      codes(
        #"{"schema_id": "S", "expression_version": "2.0", "constraints": "#
          + #"[{"id": "a", "expression": "a", "severty": "warning"}]}"#) == [.ruleFileUnknownKey])
    #expect(
      codes(#"{"schema_id": "S", "expression_version": "9.0", "constraints": []}"#)
        == [.unsupportedVersion])
  }
}
