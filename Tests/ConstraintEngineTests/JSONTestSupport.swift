import ConstraintEngine
import Foundation
import Testing

/// The memory- and time-heavy JSON suites, run one test at a time so that their allocations
/// and timings do not overlap (the streaming memory test measures peak RSS).
@Suite("JSON resource-heavy tests", .serialized)
struct JSONResourceTests {}

/// Shared helpers for the JSON reader tests.
enum JSONTestSupport {
  /// The repository root, found from this file's path (`Tests/ConstraintEngineTests/…`).
  static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// `../shared/testdata/JSONTestSuite/test_parsing` relative to the repository root.
  static let corpusDirectory: URL =
    repositoryRoot
    .appendingPathComponent("../shared/testdata/JSONTestSuite/test_parsing").standardized

  /// The corpus file names starting with `prefix` (`y_`, `n_`, `i_`), sorted.
  static func corpusFiles(_ prefix: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: corpusDirectory.path)) ?? []
    return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
  }

  static func corpusBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: corpusDirectory.appendingPathComponent(name)))
  }

  /// The result of reading `bytes`, as a `Result` to inspect in tests (a failure is the
  /// diagnostic the reader throws; its position reads as `offset`, `line`, `column` below).
  static func read(_ bytes: [UInt8], limits: JSONLimits = .default) -> Result<Value, Diagnostic> {
    Result { () throws(Diagnostic) -> Value in try JSONReader.read(bytes, limits: limits) }
  }

  static func read(_ text: String, limits: JSONLimits = .default) -> Result<Value, Diagnostic> {
    Result { () throws(Diagnostic) -> Value in try JSONReader.read(text, limits: limits) }
  }

  /// The error reading `text` gives; records an issue and returns nil when it is accepted.
  static func error(
    reading text: String, limits: JSONLimits = .default,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) -> Diagnostic? {
    switch read(text, limits: limits) {
    case .success(let value):
      Issue.record("accepted, expected an error: \(value)", sourceLocation: sourceLocation)
      return nil
    case .failure(let error): return error
    }
  }

  /// Runs `body` and returns how long it took.
  static func timed<T>(_ body: () throws -> T) rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try body()
    return (result, clock.now - start)
  }

  /// A fresh temporary directory, removed by the caller.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("json-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

/// A small deterministic pseudo-random generator (SplitMix64), so generated cases repeat.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Generates random JSON values: nested arrays and objects, Unicode strings (astral and
/// control characters included), small and big integers, decimals and negative zero.
struct JSONValueGenerator {
  var random: SeededGenerator
  /// When true, only values whose numbers Foundation represents exactly (integers within
  /// `Int64`) are generated, and object keys are ASCII-distinct.
  var foundationSafe = false

  init(seed: UInt64, foundationSafe: Bool = false) {
    random = SeededGenerator(seed: seed)
    self.foundationSafe = foundationSafe
  }

  mutating func value(depth: Int = 0) -> Value {
    let choice = Int.random(in: 0..<(depth >= 5 ? 5 : 8), using: &random)
    switch choice {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &random))
    case 2, 3: return .number(number())
    case 4: return .string(string())
    case 5, 6:
      let count = Int.random(in: 0...5, using: &random)
      return .array((0..<count).map { _ in value(depth: depth + 1) })
    default:
      let count = Int.random(in: 0...5, using: &random)
      var members: [(key: String, value: Value)] = []
      var used: [String] = []
      for index in 0..<count {
        var key = foundationSafe ? "key\(index)" + string() : string()
        if used.contains(where: { Value.scalarsEqual($0, key) }) { key += "#\(index)" }
        used.append(key)
        members.append((key, value(depth: depth + 1)))
      }
      return .object(ObjectValue(members))
    }
  }

  mutating func number() -> Number {
    let kind = Int.random(in: 0..<(foundationSafe ? 2 : 6), using: &random)
    switch kind {
    case 0: return Number(Int.random(in: -1_000_000...1_000_000, using: &random))
    case 1: return Number(Int.random(in: Int.min...Int.max, using: &random))
    case 2:  // a big integer of 20 to 60 digits
      return Number(parsing: digits(Int.random(in: 20...60, using: &random), signed: true))!
    case 3:  // a decimal
      let text =
        digits(Int.random(in: 1...25, using: &random), signed: true) + "."
        + digits(Int.random(in: 1...25, using: &random), signed: false)
      return Number(parsing: text)!
    case 4: return Number(parsing: "-0.0")!
    default:  // exponent forms
      let text =
        digits(Int.random(in: 1...6, using: &random), signed: true) + "e"
        + String(Int.random(in: -40...40, using: &random))
      return Number(parsing: text)!
    }
  }

  mutating func digits(_ count: Int, signed: Bool) -> String {
    var text = signed && Bool.random(using: &random) ? "-" : ""
    for index in 0..<count {
      let digit = Int.random(in: (index == 0 && count > 1 && signed ? 1 : 0)...9, using: &random)
      text += String(digit)
    }
    return text
  }

  mutating func string() -> String {
    let length = Int.random(in: 0...12, using: &random)
    var scalars = String.UnicodeScalarView()
    for _ in 0..<length {
      let kind = Int.random(in: 0..<6, using: &random)
      let value: UInt32
      switch kind {
      case 0: value = UInt32.random(in: 0...0x1F, using: &random)  // control characters
      case 1: value = [0x22, 0x5C, 0x2F, 0x7F].randomElement(using: &random)!
      case 2: value = UInt32.random(in: 0x80...0xD7FF, using: &random)
      case 3: value = UInt32.random(in: 0xE000...0xFFFD, using: &random)
      case 4: value = UInt32.random(in: 0x10000...0x10FFFF, using: &random)  // astral
      default: value = UInt32.random(in: 0x20...0x7E, using: &random)
      }
      scalars.append(Unicode.Scalar(value)!)
    }
    return String(scalars)
  }
}

/// Peak and current resident memory of this process, from `/proc/self/status`.
enum ProcessMemory {
  static func field(_ name: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
      return nil
    }
    for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
      let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
      return Int(digits).map { $0 * 1024 }
    }
    return nil
  }

  /// Peak resident set size in bytes (`VmHWM`).
  static var peakResident: Int? { field("VmHWM") }
  /// Current resident set size in bytes (`VmRSS`).
  static var resident: Int? { field("VmRSS") }

  /// Resets the peak to the current resident size; false when the kernel refuses.
  @discardableResult
  static func resetPeak() -> Bool {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? handle.close() }
    return (try? handle.write(contentsOf: Data("5".utf8))) != nil
  }
}

/// A JSON reader's diagnostic is at one position in the document: these name its parts, so the
/// position tests read as the positions they check.
extension Diagnostic {
  var offset: Int { range.start.offset }
  var line: Int { range.start.line }
  var column: Int { range.start.column }
}
