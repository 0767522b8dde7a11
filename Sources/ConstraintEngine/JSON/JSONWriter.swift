/// Writes values as canonical JSON: object keys sorted by code point, no insignificant
/// whitespace, numbers in their exact canonical decimal form, minimal string escapes. Reading
/// the output back gives a structurally equal value.
public enum JSONWriter {
  /// The canonical text of `value`. `missing` has no JSON form and is written as `null`.
  public static func canonical(_ value: Value) -> String {
    var output = ""
    write(value, to: &output)
    return output
  }

  static func write(_ value: Value, to output: inout String) {
    // An explicit stack keeps deep documents from exhausting the call stack.
    enum Step {
      case value(Value)
      case text(String)
    }
    var steps: [Step] = [.value(value)]
    while let step = steps.popLast() {
      switch step {
      case .text(let text):
        output += text
      case .value(let value):
        switch value {
        case .missing, .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let number): output += number.description
        case .string(let string): writeString(string, to: &output)
        case .array(let elements):
          output += "["
          steps.append(.text("]"))
          for (index, element) in elements.enumerated().reversed() {
            steps.append(.value(element))
            if index > 0 { steps.append(.text(",")) }
          }
        case .object(let object):
          output += "{"
          steps.append(.text("}"))
          let sorted = object.sorted { Value.compareScalars($0.key, $1.key) < 0 }
          for (index, member) in sorted.enumerated().reversed() {
            steps.append(.value(member.value))
            var key = ""
            if index > 0 { key += "," }
            writeString(member.key, to: &key)
            key += ":"
            steps.append(.text(key))
          }
        }
      }
    }
  }

  /// A JSON string literal with `"`, `\` and control characters escaped.
  static func writeString(_ string: String, to output: inout String) {
    output += "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      case "\u{08}": output += "\\b"
      case "\u{0C}": output += "\\f"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          output.unicodeScalars.append(scalar)
        }
      }
    }
    output += "\""
  }
}
