import Foundation
import GuardServer
import Logging
import Testing

/// Log lines from the server: one line per event, whatever the text carries.
@Suite("constraint-server logs")
struct ServerLogTests {
  static let hostile = [
    "line\nbreak", "carriage\rreturn", "tab\there", "esc\u{1B}[31mred", "del\u{7F}",
    "c1\u{85}next", "ls\u{2028}sep", "ps\u{2029}sep", "bidi\u{202E}txt", "iso\u{2066}late",
    "quote\"q", "back\\slash", "fake 2026-01-01T00:00:00.000Z notice circuit=closed",
  ]

  static func lines(_ format: ServerConfiguration.LogFormat, _ log: (Logger) -> Void) -> [String] {
    let sink = CollectedLog()
    let logger = Logger(label: "test") { label in
      ServerLogHandler(label: label, format: format, level: .trace, sink: sink)
    }
    log(logger)
    return sink.all
  }

  @Test func textLinesStayOneLineAndQuoteWhatIsNotPlain() {
    for text in Self.hostile {
      let written = Self.lines(.text) { logger in
        logger.error("\(text)", metadata: ["key \(text)": "\(text)", "plain": "value"])
      }
      #expect(written.count == 1)
      let line = written[0]
      #expect(line.hasSuffix("\n"))
      let body = line.dropLast()
      #expect(!body.unicodeScalars.contains { ServerLogHandler.isInvisibleControl($0.value) })
      #expect(body.contains(" plain=value"))
      // `TIMESTAMP LEVEL "MESSAGE" …`: the message is quoted, so a forged event stays a value.
      let fields = body.split(separator: " ", maxSplits: 2)
      #expect(fields[1] == "error")
      #expect(fields[2].hasPrefix("\""), "\(body)")
    }
  }

  @Test func jsonLinesParseBackToTheSameText() throws {
    for text in Self.hostile {
      let written = Self.lines(.json) { logger in
        logger.warning("\(text)", metadata: ["detail": "\(text)", "message": "shadow"])
      }
      #expect(written.count == 1)
      let line = written[0]
      #expect(line.filter { $0 == "\n" }.count == 1)
      #expect(
        !line.dropLast().unicodeScalars.contains { ServerLogHandler.isInvisibleControl($0.value) })
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(object["message"] as? String == text)
      #expect(object["detail"] as? String == text)
      #expect(object["metadata.message"] as? String == "shadow")
      #expect(object["level"] as? String == "warning")
      #expect(object["logger"] as? String == "test")
      #expect((object["timestamp"] as? String)?.hasSuffix("Z") == true)
    }
  }
}
