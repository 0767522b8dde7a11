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
  static func location(file: String, line: Int?, column: Int? = nil) -> SARIFLocation {
    var region: SARIFLocation.Region?
    if let line, line >= 1 {
      region = SARIFLocation.Region(
        startLine: line, startColumn: column.flatMap { $0 >= 1 ? $0 : nil })
    }
    return SARIFLocation(
      physicalLocation: SARIFLocation.Physical(
        artifactLocation: SARIFLocation.Artifact(uri: uri(file)), region: region))
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
  static func open<Properties: Encodable>(
    rules: [SARIFReportingDescriptor<Properties>], terminal: Terminal
  ) {
    let driver = SARIFDriver(
      name: "constraint", version: EngineVersion.version,
      semanticVersion: EngineVersion.version, rules: rules)
    terminal.output(
      "{\"$schema\":\(ReportJSON.encode(schema)),\"version\":\"2.1.0\","
        + "\"runs\":[{\"tool\":{\"driver\":\(ReportJSON.encode(driver, sortsKeys: true))},"
        + "\"columnKind\":\"unicodeCodePoints\",\"results\":[")
  }

  /// Writes one result (`first`: no comma before it).
  static func result<Properties: Encodable>(
    _ result: SARIFResult<Properties>, first: Bool, terminal: Terminal
  ) {
    terminal.output((first ? "" : ",") + ReportJSON.encode(result, sortsKeys: true))
  }

  /// Closes the results and the log with the invocation: successful when the command could
  /// do its whole job (exit status 0 or 1).
  static func close(exitStatus: Int32, terminal: Terminal) {
    let invocation = SARIFInvocation(
      executionSuccessful: exitStatus != 2, exitCode: Int(exitStatus))
    terminal.output("],\"invocations\":[\(ReportJSON.encode(invocation, sortsKeys: true))]}]}")
  }
}

// The SARIF objects the CLI writes, as `Codable` models; every log is written with sorted keys
// (the output does not depend on declaration order), absent optionals left out.

/// `{"text": …}`: a SARIF message or description.
struct SARIFText: Codable, Hashable {
  var text: String
}

/// A location: a file with an optional region; as a related location, with an id and a
/// message.
struct SARIFLocation: Codable, Hashable {
  struct Artifact: Codable, Hashable {
    var uri: String
  }

  struct Region: Codable, Hashable {
    var startLine: Int
    var startColumn: Int?
  }

  struct Physical: Codable, Hashable {
    var artifactLocation: Artifact
    var region: Region?
  }

  var id: Int?
  var message: SARIFText?
  var physicalLocation: Physical
}

/// A rule's `defaultConfiguration`.
struct SARIFConfiguration: Codable, Hashable {
  var level: String
}

/// A rule of the log (`reportingDescriptor`), with format-specific properties.
struct SARIFReportingDescriptor<Properties: Encodable>: Encodable {
  var id: String
  var shortDescription: SARIFText
  var fullDescription: SARIFText?
  var defaultConfiguration: SARIFConfiguration
  var properties: Properties?
}

/// A result, with format-specific properties.
struct SARIFResult<Properties: Encodable>: Encodable {
  var ruleId: String
  var ruleIndex: Int
  var level: String
  /// `fail` for `check`; absent for `lint`.
  var kind: String?
  var message: SARIFText
  var locations: [SARIFLocation]
  var relatedLocations: [SARIFLocation]?
  var properties: Properties
}

/// The tool's driver: its name, versions and rules.
struct SARIFDriver<Properties: Encodable>: Encodable {
  var name: String
  var version: String
  var semanticVersion: String
  var rules: [SARIFReportingDescriptor<Properties>]
}

/// The run's invocation: whether the command did its whole job, and its exit status.
struct SARIFInvocation: Codable, Hashable {
  var executionSuccessful: Bool
  var exitCode: Int
}
