/// Bounds on what the JSON reader accepts. Each one, when exceeded, is a clear error naming
/// the limit — never a crash, a hang or unbounded memory.
public struct JSONLimits: Sendable, Hashable {
  /// Deepest nesting of arrays and objects.
  public var maximumDepth: Int
  /// Largest document (or JSONL line) in bytes; also the most digits that positive exponents
  /// may add to a document's numbers in total.
  public var maximumDocumentBytes: Int
  /// Longest string (after unescaping) in bytes.
  public var maximumStringBytes: Int
  /// Most digits in one number written out in full: integer and fraction digits plus the
  /// exponent's magnitude (`1e4095` has 4,096), so the canonical form of an accepted number is
  /// accepted too.
  public var maximumNumberDigits: Int
  /// Largest exponent magnitude, checked while the exponent is read (`1e4097` is refused before
  /// the digit limit applies).
  public var maximumExponent: Int
  /// Most values (scalars and containers) in one document.
  public var maximumValues: Int
  /// Most memory one document's values may take while it is read, as estimated from its text
  /// before any value is built (``JSONMemoryEstimate``): a document that would need more is
  /// refused at once, so no document, however dense, costs more than this (and its bytes).
  public var maximumValueMemory: Int
  /// Most memory a document's values may take per byte of its text (above
  /// ``minimumValueMemory``), also estimated before anything is built: a dense document
  /// (`[0,0,…]` needs 36 bytes of values per byte of text) is refused rather than amplified.
  public var maximumValueMemoryRatio: Int
  /// Value memory any document may take whatever its size: the ratio applies above it.
  public var minimumValueMemory: Int

  /// The value memory allowed for a document of `byteCount` bytes.
  public func valueMemoryAllowed(forDocumentOf byteCount: Int) -> Int {
    min(
      maximumValueMemory,
      max(minimumValueMemory, byteCount.multipliedReportingOverflow(by: maximumValueMemoryRatio)
        .partialValue))
  }

  public init(
    maximumDepth: Int = 512,
    maximumDocumentBytes: Int = 64 << 20,
    maximumStringBytes: Int = 16 << 20,
    maximumNumberDigits: Int = 4_096,
    maximumExponent: Int = 4_096,
    maximumValues: Int = 10_000_000,
    maximumValueMemory: Int = 256 << 20,
    maximumValueMemoryRatio: Int = 6,
    minimumValueMemory: Int = 64 << 20
  ) {
    self.maximumDepth = maximumDepth
    self.maximumDocumentBytes = maximumDocumentBytes
    self.maximumStringBytes = maximumStringBytes
    self.maximumNumberDigits = maximumNumberDigits
    self.maximumExponent = maximumExponent
    self.maximumValues = maximumValues
    self.maximumValueMemory = maximumValueMemory
    self.maximumValueMemoryRatio = maximumValueMemoryRatio
    self.minimumValueMemory = minimumValueMemory
  }

  /// The defaults above.
  public static let `default` = JSONLimits()
}

/// A JSON document that could not be read: what is wrong and where. The parser's own error,
/// kept small and typed on its hot path; every public reader throws it as a ``Diagnostic``
/// (``diagnostic``) instead.
package struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
  package var message: String
  /// Byte offset of the problem in the document (or line).
  package var offset: Int
  /// 1-based line within the document.
  package var line: Int
  /// 1-based column, in Unicode scalars.
  package var column: Int

  package init(message: String, offset: Int, line: Int, column: Int) {
    self.message = message
    self.offset = offset
    self.line = line
    self.column = column
  }

  /// Always ``DiagnosticCode/invalidJSON``.
  package var code: DiagnosticCode { .invalidJSON }

  /// The error as a diagnostic (phase `json`) pointing at the offending position.
  package var diagnostic: Diagnostic {
    let location = SourceLocation(offset: offset, line: line, column: column)
    return Diagnostic(code, message, at: SourceRange(at: location))
  }

  /// `line:column: message`.
  package var description: String { "\(line):\(column): \(message)" }
}
