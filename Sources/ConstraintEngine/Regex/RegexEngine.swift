import CPCRE2

/// Facts about the PCRE2 library the engine is linked against.
public enum RegexEngine {
  /// PCRE2's version string, e.g. `10.42 2022-12-11`.
  public static var pcre2Version: String {
    let length = pcre2_config_8(UInt32(PCRE2_CONFIG_VERSION), nil)
    guard length > 0 else { return "unknown" }
    var buffer = [UInt8](repeating: 0, count: Int(length))
    guard pcre2_config_8(UInt32(PCRE2_CONFIG_VERSION), &buffer) > 0 else { return "unknown" }
    return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
  }

  /// Whether this PCRE2 build supports JIT compilation on this platform.
  public static var isJITAvailable: Bool {
    var available: UInt32 = 0
    guard pcre2_config_8(UInt32(PCRE2_CONFIG_JIT), &available) >= 0 else { return false }
    return available != 0
  }

  /// The longest pattern accepted, in UTF-8 bytes.
  public static let maximumPatternLength = 4_096

  /// PCRE2's text for an error code.
  static func errorMessage(_ code: Int32) -> String {
    var buffer = [UInt8](repeating: 0, count: 256)
    let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
    guard length > 0 else { return "unknown PCRE2 error \(code)" }
    return String(decoding: buffer.prefix(Int(length)), as: UTF8.self)
  }
}
