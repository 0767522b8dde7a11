import ConstraintEngine

/// One snapshot read from a data source: its value or why it could not be read, and where it
/// came from.
struct Snapshot {
  var file: String
  /// The JSONL line, nil for a `.json` document.
  var line: Int?
  var value: Result<Value, Diagnostic>

  /// `file` or `file:line`.
  var location: String {
    line.map { "\(file):\($0)" } ?? file
  }
}

/// Reads snapshots from a `.json` file (one document), a `.jsonl` file or `-` (standard
/// input, one document per line), streaming JSONL with constant memory.
struct SnapshotInput {
  let path: String
  var limits: JSONLimits = .default
  /// What is built of each snapshot (``ReadProjection``).
  var projection: ReadProjection = .wholeDocument

  /// Whether the source holds one snapshot per line (`-`, `.jsonl`, `.ndjson`, any case).
  var isLines: Bool { FileDiscovery.isJSONLinesName(path) }

  var displayName: String { path == "-" ? "<stdin>" : path }

  /// Why `path` cannot be read at all, known before reading (standard input closed when the
  /// process started); nil otherwise. Every other problem shows when it is read.
  static func unusable(_ path: String) -> String? {
    guard path == "-", StandardStreams.shared.standardInputWasClosed else { return nil }
    return "--data -: standard input is closed (it was closed when constraint started)"
  }

  func forEach(_ body: (Snapshot) throws -> Void) rethrows {
    if !isLines {
      let value = Result { () throws(Diagnostic) -> Value in
        try JSONReader.readFile(atPath: path, limits: limits, projection: projection)
      }
      try body(Snapshot(file: displayName, line: nil, value: value))
      return
    }
    var reader =
      path == "-"
      ? JSONLinesReader(fileDescriptor: 0, limits: limits)
      : JSONLinesReader(path: path, limits: limits)
    reader.projection = projection
    for line in reader {
      try body(Snapshot(file: displayName, line: line.number, value: line.result))
    }
  }
}
