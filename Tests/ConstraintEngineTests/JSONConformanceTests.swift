import ConstraintEngine
import Foundation
import Testing

/// The reader against JSONTestSuite's `test_parsing` corpus: every `y_` file accepted, every
/// `n_` file rejected, and each implementation-defined `i_` file decided as `docs/JSON.md`
/// says.
@Suite("JSON conformance (JSONTestSuite)")
struct JSONConformanceTests {
  @Test("the corpus is present")
  func corpusIsPresent() {
    #expect(JSONTestSupport.corpusFiles("y_").count >= 90)
    #expect(JSONTestSupport.corpusFiles("n_").count >= 180)
    #expect(JSONTestSupport.corpusFiles("i_").count >= 30)
  }

  @Test(
    "y_ files are accepted, except the documented departures",
    arguments: JSONTestSupport.corpusFiles("y_"))
  func accepts(_ name: String) throws {
    let bytes = try JSONTestSupport.corpusBytes(name)
    let departure = Self.documentedDecisions("y_").first { $0.file == name }
    switch JSONTestSupport.read(bytes) {
    case .success(let value):
      #expect(departure == nil, "\(name) accepted as \(value); documented as rejected")
    case .failure(let error):
      #expect(departure?.accepted == false, "\(name) rejected: \(error)")
    }
  }

  @Test("the documented y_ departures are real files, rejected for duplicate keys")
  func departures() {
    let departures = Self.documentedDecisions("y_")
    #expect(
      departures.map(\.file) == [
        "y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json",
      ])
    for departure in departures {
      #expect(JSONTestSupport.corpusFiles("y_").contains(departure.file))
      let bytes = (try? JSONTestSupport.corpusBytes(departure.file)) ?? []
      guard case .failure(let error) = JSONTestSupport.read(bytes) else {
        Issue.record("\(departure.file) accepted")
        continue
      }
      #expect(error.message.contains("duplicate key"))
    }
  }

  @Test("n_ files are rejected", arguments: JSONTestSupport.corpusFiles("n_"))
  func rejects(_ name: String) throws {
    let bytes = try JSONTestSupport.corpusBytes(name)
    let (result, elapsed) = JSONTestSupport.timed { JSONTestSupport.read(bytes) }
    if case .success(let value) = result {
      Issue.record("\(name) accepted as \(value)")
    }
    #expect(elapsed < .seconds(10), "\(name) took \(elapsed)")
  }

  /// One row of the `i_` decision table in `docs/JSON.md`.
  struct Decision: CustomStringConvertible, Sendable {
    var file: String
    var accepted: Bool
    var reason: String
    var description: String { file }
  }

  /// The rows of the decision tables in `docs/JSON.md` for files starting with `prefix`:
  /// `` | `i_….json` | accepted | why | ``.
  static func documentedDecisions(_ prefix: String = "i_") -> [Decision] {
    let url = JSONTestSupport.repositoryRoot.appendingPathComponent("docs/JSON.md")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    var decisions: [Decision] = []
    for line in text.split(separator: "\n") where line.hasPrefix("| `" + prefix) {
      let cells = line.split(separator: "|", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      guard cells.count >= 4 else { continue }
      let file = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
      decisions.append(Decision(file: file, accepted: cells[2] == "accepted", reason: cells[3]))
    }
    return decisions
  }

  @Test("docs/JSON.md decides every i_ file exactly once, and only real files")
  func everyImplementationDefinedCaseIsDocumented() {
    let documented = Self.documentedDecisions().map(\.file)
    #expect(documented.sorted() == JSONTestSupport.corpusFiles("i_"))
    #expect(Set(documented).count == documented.count)
    for decision in Self.documentedDecisions() {
      #expect(!decision.reason.isEmpty, "\(decision.file) has no reason")
    }
  }

  @Test("i_ files are decided as docs/JSON.md says", arguments: documentedDecisions())
  func implementationDefined(_ decision: Decision) throws {
    let bytes = try JSONTestSupport.corpusBytes(decision.file)
    let (result, elapsed) = JSONTestSupport.timed { JSONTestSupport.read(bytes) }
    switch result {
    case .success(let value):
      #expect(decision.accepted, "\(decision.file) accepted as \(value); documented as rejected")
    case .failure(let error):
      #expect(!decision.accepted, "\(decision.file) rejected (\(error)); documented as accepted")
    }
    #expect(elapsed < .seconds(10))
  }

  @Test("huge and tiny exponents are rejected by the exponent cap, naming it")
  func exponentCap() {
    for name in [
      "i_number_huge_exp.json", "i_number_neg_int_huge_exp.json",
      "i_number_real_underflow.json", "i_number_real_pos_overflow.json",
    ] {
      guard let bytes = try? JSONTestSupport.corpusBytes(name) else {
        Issue.record("missing \(name)")
        continue
      }
      guard case .failure(let error) = JSONTestSupport.read(bytes) else {
        Issue.record("\(name) accepted")
        continue
      }
      #expect(error.message.contains("exponent"), "\(name): \(error.message)")
    }
  }
}
