import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Where finished log lines go: standard error by default, a collector in tests.
public protocol LogSink: Sendable {
  /// Writes one whole line (with its newline).
  func write(line: String)
}

/// Standard error, one `write` per line under a lock, so lines from concurrent tasks never
/// interleave. A failed write (standard error closed or full) is dropped: the server's
/// decisions never wait for its log.
public struct StandardErrorSink: LogSink {
  private static let lock = Mutex(())

  public init() {}

  public func write(line: String) {
    var bytes = Array(line.utf8)
    Self.lock.withLock { _ in
      bytes.withUnsafeMutableBytes { raw in
        var offset = 0
        while offset < raw.count {
          let written = Glibc.write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
          if written < 0 {
            if errno == EINTR { continue }
            return
          }
          offset += written
        }
      }
    }
  }
}

/// The server's swift-log handler: one line per event, `text` or `json`.
///
/// - text: `2026-01-02T03:04:05.678Z info circuit=closed key=value …`; keys sorted; a key or
///   value that is empty or holds a space, a quote, a backslash or a control character (a key
///   also `=`) is JSON-quoted, so no value can end the line or pose as another field.
/// - json: `{"timestamp": …, "level": …, "logger": …, "message": …, "key": "value", …}`;
///   a metadata key equal to one of the first four is written as `metadata.KEY`.
public struct ServerLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level
  public let label: String
  public let format: ServerConfiguration.LogFormat
  public let sink: any LogSink

  public init(
    label: String, format: ServerConfiguration.LogFormat, level: Logger.Level,
    sink: any LogSink = StandardErrorSink()
  ) {
    self.label = label
    self.format = format
    self.logLevel = level
    self.sink = sink
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var merged = metadata
    if let extra = event.metadata { merged.merge(extra) { $1 } }
    let timestamp = Self.timestamp()
    let message = event.message.description
    switch format {
    case .text:
      var line = "\(timestamp) \(event.level) \(Self.textField(message, isKey: false))"
      for key in merged.keys.sorted() {
        line += " \(Self.textField(key, isKey: true))=\(Self.textField(Self.flat(merged[key]!)))"
      }
      sink.write(line: line + "\n")
    case .json:
      var line = "{\"timestamp\":\"\(timestamp)\",\"level\":\"\(event.level)\""
      line += ",\"logger\":\(Self.quoted(label)),\"message\":\(Self.quoted(message))"
      let reserved: Set<String> = ["timestamp", "level", "logger", "message"]
      for key in merged.keys.sorted() {
        let name = reserved.contains(key) ? "metadata.\(key)" : key
        line += ",\(Self.quoted(name)):\(Self.quoted(Self.flat(merged[key]!)))"
      }
      sink.write(line: line + "}\n")
    }
  }

  /// A metadata value as one string (lists and dictionaries in their swift-log rendering).
  static func flat(_ value: Logger.Metadata.Value) -> String {
    switch value {
    case .string(let text): return text
    case .stringConvertible(let convertible): return convertible.description
    default: return value.description
    }
  }

  /// A text-format key or value: as it is when plain, JSON-quoted otherwise (control
  /// characters, quotes, backslashes and spaces never appear raw).
  static func textField(_ text: String, isKey: Bool = false) -> String {
    let plain =
      !text.isEmpty
      && text.unicodeScalars.allSatisfy { scalar in
        scalar != " " && !isInvisibleControl(scalar.value) && scalar != "\"" && scalar != "\\"
          && !(isKey && scalar == "=")
      }
    return plain ? text : Self.quoted(text)
  }

  /// A JSON string literal that also escapes DEL, the C1 controls and the Unicode line and
  /// paragraph separators (`\u2028`), so a quoted value shows on one line in any viewer.
  static func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      default:
        let value = scalar.value
        if Self.isInvisibleControl(value) {
          let hex = String(value, radix: 16)
          result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result + "\""
  }

  /// Control characters (C0, DEL, C1), the line and paragraph separators and the
  /// bidirectional overrides and isolates: never written raw into a log line.
  public static func isInvisibleControl(_ value: UInt32) -> Bool {
    value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
      || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
  }

  /// UTC, millisecond precision, RFC 3339.
  static func timestamp() -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var seconds = time_t(now.tv_sec)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let milliseconds = Int(now.tv_nsec / 1_000_000)
    let fraction =
      milliseconds < 10
      ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
      + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
  }
}
