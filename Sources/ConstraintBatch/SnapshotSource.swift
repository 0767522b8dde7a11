import ConstraintEngine

/// Where a batch of snapshots comes from: a file, a file descriptor (standard input) or bytes
/// in memory, holding one JSON document or JSON lines (one snapshot per line).
///
/// A source is only a description; nothing is opened until
/// ``BatchChecker/check(_:ruleIndexes:warning:emit:)`` reads it, and every problem reading it
/// (a file that cannot be opened, a read error, a malformed line) is reported as an unreadable
/// ``CheckedSnapshot``, never skipped.
public struct SnapshotSource: Sendable, Hashable, CustomStringConvertible {
  /// How the snapshots are laid out in the input.
  public enum Layout: Sendable, Hashable {
    /// The whole input is one JSON document: one snapshot.
    case document
    /// One JSON document per line (JSONL, NDJSON); blank lines are skipped.
    case jsonLines
  }

  /// Where the bytes are read from.
  public enum Origin: Sendable, Hashable {
    /// A file, opened when it is checked.
    case path(String)
    /// An open file descriptor (0 for standard input), read to its end and not closed.
    case fileDescriptor(Int32)
    /// Bytes in memory.
    case bytes([UInt8])
  }

  /// Where the bytes are read from.
  public var origin: Origin
  /// How the snapshots are laid out.
  public var layout: Layout
  /// The name results carry (``CheckedSnapshot/file``): the path, or `<stdin>`.
  public var name: String

  /// A source read from `origin` with `layout`, its results named `name`.
  public init(origin: Origin, layout: Layout, name: String) {
    self.origin = origin
    self.layout = layout
    self.name = name
  }

  /// The file at `path`: JSON lines when its name ends in `.jsonl` or `.ndjson` (any case),
  /// else one JSON document. `-` stands for ``standardInput``.
  public static func file(_ path: String) -> SnapshotSource {
    path == "-" ? standardInput : atPath(path)
  }

  /// The file at `path`, whatever its name (a file found in a directory may be called `-`).
  private static func atPath(_ path: String) -> SnapshotSource {
    SnapshotSource(
      origin: .path(path), layout: FileDiscovery.isJSONLinesName(path) ? .jsonLines : .document,
      name: path)
  }

  /// Standard input, read as JSON lines, its results named `<stdin>`.
  public static let standardInput = SnapshotSource(
    origin: .fileDescriptor(0), layout: .jsonLines, name: "<stdin>")

  /// JSON lines held in memory, their results named `name`.
  public static func jsonLines(_ bytes: [UInt8], name: String) -> SnapshotSource {
    SnapshotSource(origin: .bytes(bytes), layout: .jsonLines, name: name)
  }

  /// One JSON document held in memory, its result named `name`.
  public static func document(_ bytes: [UInt8], name: String) -> SnapshotSource {
    SnapshotSource(origin: .bytes(bytes), layout: .document, name: name)
  }

  /// The sources a path stands for: a file (whatever its name), or, for a directory, its
  /// `.json`, `.jsonl` and `.ndjson` files found recursively in sorted order (links followed,
  /// hidden entries, rule files and rule test files skipped), as
  /// ``FileDiscovery/snapshotFiles(_:)`` finds them. `-` stands for ``standardInput``.
  public static func discover(_ path: String) -> SnapshotDiscovery {
    if path == "-" { return SnapshotDiscovery(sources: [standardInput]) }
    let found = FileDiscovery.snapshotFiles(path)
    return SnapshotDiscovery(
      sources: found.files.map(atPath), problems: found.problems,
      emptyDirectory: !found.emptyDirectories.isEmpty)
  }

  /// The name results carry.
  public var description: String { name }
}

/// What a path stands for as snapshot sources (``SnapshotSource/discover(_:)``).
public struct SnapshotDiscovery: Sendable {
  /// The sources found, in order.
  public var sources: [SnapshotSource]
  /// Every path that could not be walked (missing, unreadable, a loop). A caller that checks
  /// the sources anyway must report these: they are snapshots that were not checked.
  public var problems: [Diagnostic]
  /// Whether the path is a directory (or holds one) without any snapshot file.
  public var emptyDirectory: Bool

  /// A discovery of `sources`, with `problems`.
  public init(
    sources: [SnapshotSource], problems: [Diagnostic] = [],
    emptyDirectory: Bool = false
  ) {
    self.sources = sources
    self.problems = problems
    self.emptyDirectory = emptyDirectory
  }
}
