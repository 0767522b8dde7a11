import ConstraintEngine
import Foundation

/// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the pieces `check --format
/// sarif` and `lint --format sarif` share. One log with one run, written as it goes: the
/// opening with the tool and its rules, one result per line, then the invocation with the
/// exit status. Columns are Unicode scalars (`columnKind` `unicodeCodePoints`), as in every
/// other format.
enum SARIF {
  static let schema =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

  /// Compact JSON with sorted keys (the output does not depend on dictionary order).
  static func json(_ object: Any) -> String {
    let data = try! JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
  }

  /// A path as a SARIF artifact URI: a relative path as a relative reference, an absolute one
  /// as a `file://` URI, every byte outside the unreserved characters and `/` percent-encoded.
  static func uri(_ path: String) -> String {
    var encoded = ""
    for byte in path.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        encoded += String(format: "%%%02X", byte)
      }
    }
    return path.hasPrefix("/") ? "file://" + encoded : encoded
  }

  /// A physical location: the file, and the line (and column) when known.
  static func location(file: String, line: Int?, column: Int? = nil) -> [String: Any] {
    var physical: [String: Any] = ["artifactLocation": ["uri": uri(file)]]
    if let line, line >= 1 {
      var region: [String: Any] = ["startLine": line]
      if let column, column >= 1 { region["startColumn"] = column }
      physical["region"] = region
    }
    return ["physicalLocation": physical]
  }

  /// A rule's severity as a SARIF level.
  static func level(_ severity: RuleSeverity) -> String {
    switch severity {
    case .error: return "error"
    case .warning: return "warning"
    case .info: return "note"
    }
  }

  /// Writes the log up to the opening of `results`.
  static func open(rules: [[String: Any]], terminal: Terminal) {
    let driver: [String: Any] = [
      "name": "constraint", "version": EngineVersion.version,
      "semanticVersion": EngineVersion.version, "rules": rules,
    ]
    terminal.output(
      "{\"$schema\":\(json([schema]).dropFirst().dropLast()),\"version\":\"2.1.0\","
        + "\"runs\":[{\"tool\":{\"driver\":\(json(driver))},"
        + "\"columnKind\":\"unicodeCodePoints\",\"results\":[")
  }

  /// Writes one result (`first`: no comma before it).
  static func result(_ result: [String: Any], first: Bool, terminal: Terminal) {
    terminal.output((first ? "" : ",") + json(result))
  }

  /// Closes the results and the log with the invocation: successful when the command could
  /// do its whole job (exit status 0 or 1).
  static func close(exitStatus: Int32, terminal: Terminal) {
    let invocation = json([
      "executionSuccessful": exitStatus != 2, "exitCode": Int(exitStatus),
    ])
    terminal.output("],\"invocations\":[\(invocation)]}]}")
  }
}
