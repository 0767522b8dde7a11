#if canImport(Darwin)
  import Darwin
#elseif canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Turns a ``Diagnostic`` into the text a person reads: the message, the location, the source
/// line and a caret under the exact range, then the notes.
///
/// ```
/// error[CE1112]: unexpected `garbage` after the end of the expression
///  --> <expression>:1:8
///   |
/// 1 | a == 1 garbage
///   |        ^^^^^^^
/// ```
public struct DiagnosticRenderer: Sendable {
  /// Whether the output contains ANSI colour escapes.
  public var useColor: Bool

  /// Lines longer than this many scalars are shown as a window around the range.
  private let maximumLineWidth = 120

  /// A renderer; colour is off unless asked for.
  public init(useColor: Bool = false) {
    self.useColor = useColor
  }

  /// Whether output to the file descriptor should be coloured: it is a terminal and the
  /// `NO_COLOR` environment variable is unset or empty (https://no-color.org).
  public static func shouldUseColor(forStandardErrorOrOutput fd: Int32) -> Bool {
    guard isatty(fd) != 0 else { return false }
    if let noColor = getenv("NO_COLOR"), noColor.pointee != 0 { return false }
    return true
  }

  /// The rendered diagnostic, without a trailing newline. `sourceName` names the source in the
  /// location line (`<expression>` when nil). `firstLine` is the line number of the first
  /// line of `source` in the text it was taken from, for the gutter (the diagnostic's offsets
  /// are within `source`; its line numbers, shown in the location line, are the caller's).
  public func render(
    _ diagnostic: Diagnostic, source: String, sourceName: String? = nil, firstLine: Int = 1
  ) -> String {
    let name = sourceName ?? "<expression>"
    let bytes = Array(source.utf8)
    let ranges = [diagnostic.range] + diagnostic.notes.compactMap(\.range)
    let width =
      ranges.map {
        String(snippet(for: $0, in: bytes, firstLine: firstLine).lineNumber).count
      }.max() ?? 1
    var lines: [String] = []
    lines.append(
      paint(diagnostic.label + ":", style: style(for: diagnostic.severity))
        + " " + paint(sanitized(diagnostic.message), style: .bold))
    lines += block(
      for: diagnostic.range, in: bytes, firstLine: firstLine, name: name, width: width,
      caretStyle: style(for: diagnostic.severity))
    for note in diagnostic.notes {
      if let range = note.range {
        lines.append(paint("note:", style: .note) + " " + sanitized(note.message))
        lines += block(
          for: range, in: bytes, firstLine: firstLine, name: name, width: width,
          caretStyle: .note)
      } else {
        lines.append(
          String(repeating: " ", count: width + 1) + paint("= note:", style: .note) + " "
            + sanitized(note.message))
      }
    }
    return lines.joined(separator: "\n")
  }

  // MARK: - Snippets

  private struct Snippet {
    var lineNumber: Int
    var text: String
    var caretPrefix: String
    var caretCount: Int
  }

  /// The location line, a gutter, the source line and the caret line for `range`.
  private func block(
    for range: SourceRange, in bytes: [UInt8], firstLine: Int, name: String, width: Int,
    caretStyle: Style
  ) -> [String] {
    let snippet = snippet(for: range, in: bytes, firstLine: firstLine)
    let pad = String(repeating: " ", count: width)
    let number = String(snippet.lineNumber)
    let numberPad = String(repeating: " ", count: width - number.count)
    return [
      pad + paint("-->", style: .gutter) + " \(name):\(range.start.line):\(range.start.column)",
      pad + paint(" |", style: .gutter),
      numberPad + paint(number + " |", style: .gutter) + (snippet.text.isEmpty ? "" : " ")
        + snippet.text,
      pad + paint(" |", style: .gutter) + " " + snippet.caretPrefix
        + paint(String(repeating: "^", count: snippet.caretCount), style: caretStyle),
    ]
  }

  /// The line containing `range.start`, read from the bytes (offsets are authoritative).
  private func snippet(for range: SourceRange, in bytes: [UInt8], firstLine: Int) -> Snippet {
    var start = min(max(0, range.start.offset), bytes.count)
    while start > 0, start < bytes.count, bytes[start] & 0xC0 == 0x80 { start -= 1 }
    let end = min(max(start, range.end.offset), bytes.count)
    var lineStart = start
    while lineStart > 0, bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
    var lineEnd = start
    while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
    let lineNumber =
      firstLine + bytes[0..<lineStart].lazy.filter { $0 == UInt8(ascii: "\n") }.count

    var scalars = Array(String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self).unicodeScalars)
    if scalars.last == "\r" { scalars.removeLast() }
    let caretStart = String(decoding: bytes[lineStart..<start], as: UTF8.self)
      .unicodeScalars.count
    let rangeScalars = String(decoding: bytes[start..<min(end, lineEnd)], as: UTF8.self)
      .unicodeScalars.count
    var caretCount = max(1, rangeScalars)

    // A window around the caret for very long lines.
    var windowStart = 0
    var windowEnd = scalars.count
    if scalars.count > maximumLineWidth {
      windowStart = max(0, min(caretStart - maximumLineWidth / 3, scalars.count - maximumLineWidth))
      windowEnd = min(scalars.count, windowStart + maximumLineWidth)
    }
    let visible = scalars[windowStart..<windowEnd].map(displayable)
    var text = String(String.UnicodeScalarView(visible))
    var prefix = String(
      String.UnicodeScalarView(
        visible.prefix(max(0, caretStart - windowStart)).map { $0 == "\t" ? "\t" : " " }))
    if windowStart > 0 {
      text = "…" + text
      prefix = " " + prefix
    }
    if windowEnd < scalars.count {
      text += "…"
      caretCount = min(caretCount, max(1, windowEnd - caretStart + 1))
    }
    return Snippet(lineNumber: lineNumber, text: text, caretPrefix: prefix, caretCount: caretCount)
  }

  /// Messages quote source text, so they are cleaned like source lines.
  private func sanitized(_ message: String) -> String {
    String(String.UnicodeScalarView(message.unicodeScalars.map(displayable)))
  }

  /// Control characters are shown as U+FFFD so they cannot disturb the terminal.
  private func displayable(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    if scalar == "\t" { return scalar }
    if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return "\u{FFFD}" }
    return scalar
  }

  // MARK: - Colour

  private enum Style: String {
    case error = "1;31"
    case warning = "1;33"
    case note = "1;36"
    case gutter = "1;34"
    case bold = "1"
  }

  private func style(for severity: DiagnosticSeverity) -> Style {
    switch severity {
    case .error: return .error
    case .warning: return .warning
    case .note: return .note
    }
  }

  private func paint(_ text: String, style: Style) -> String {
    useColor ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
  }
}
