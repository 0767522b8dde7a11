import Foundation
import Testing

@testable import ConstraintEngine

/// The named cases of `schema/tests/cases.jsonl`, through the loader in process: each is
/// accepted or rejected as the case says. `scripts/check-schema.py` holds the JSON Schema to
/// the same verdicts (and the built binary too), so the schema and the loader agree on them.
@Suite("Rule file loader: the JSON Schema's cases")
struct RuleFileSchemaCaseTests {
  struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let accepted: Bool
    let text: String
    var testDescription: String { name }
  }

  static let casesFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("schema/tests/cases.jsonl")

  static let cases: [Case] = {
    guard let data = FileManager.default.contents(atPath: casesFile.path) else { return [] }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
      guard let entry = try? JSONReader.read(String(line)),
        case .string(let name) = entry["name"], case .string(let verdict) = entry["loader"]
      else { return nil }
      let text: String
      if case .string(let raw) = entry["text"] {
        text = raw
      } else {
        text = JSONWriter.canonical(entry["document"])
      }
      return Case(name: name, accepted: verdict == "accept", text: text)
    }
  }()

  @Test func theCasesAreThere() {
    let lines = (try? String(contentsOf: Self.casesFile, encoding: .utf8))?
      .split(separator: "\n").count
    #expect(Self.cases.count >= 100)
    #expect(Self.cases.count == lines, "every line of cases.jsonl is a case")
    #expect(Self.cases.contains { $0.accepted } && Self.cases.contains { !$0.accepted })
  }

  @Test(arguments: cases)
  func theLoaderGivesTheCasesVerdict(_ testCase: Case) {
    var errors: [Diagnostic] = []
    do {
      let text = try RuleFileLoader.text(of: Array(testCase.text.utf8), path: "case")
      _ = try RuleFileLoader.parse(text, path: "case")
    } catch {
      errors = error.diagnostics
    }
    if testCase.accepted {
      #expect(errors.isEmpty, "\(errors)")
    } else {
      #expect(!errors.isEmpty, "accepted: \(testCase.text)")
    }
  }
}
