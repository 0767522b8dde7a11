import ConstraintEngine

/// The answer to a snapshot that arrives as JSON bytes
/// (``ConservationGuard/check(json:limits:projectsReads:context:)``).
public enum GuardSnapshotCheck: Sendable, Hashable {
  /// The snapshot was read and decided.
  case decided(GuardDecision)
  /// The bytes are not one JSON document within the limits (the error a full read gives):
  /// nothing was decided.
  case unreadable(Diagnostic)
  /// The document is not an object (a snapshot is one): nothing was decided.
  case notAnObject(typeName: String)
}

/// Reads the snapshots of one stream (an NDJSON body, a JSON-lines file), one after another on
/// one thread, for ``ConservationGuard/check(json:reader:context:)``: a document reader per
/// projection is kept from one snapshot to the next (its scratch memory and the keys it has
/// seen), and replaced when a reload brings rules that read other paths. Not thread-safe: one
/// per stream.
public final class GuardSnapshotReader {
  /// The limits every snapshot is read under.
  public let limits: JSONLimits
  /// Whether snapshots are read projected (only what the rule set in force reads is built).
  public let projectsReads: Bool
  private var reader: JSONDocumentReader
  /// The rule set `reader` was last chosen for (identity is enough to keep it).
  private var chosenFor: GuardRules?

  /// A reader of snapshots under `limits`, projected when `projectsReads`.
  public init(limits: JSONLimits = .default, projectsReads: Bool) {
    self.limits = limits
    self.projectsReads = projectsReads
    reader = JSONDocumentReader(
      limits: limits, projectionTable: ConservationGuard.projectionTable(of: nil, projectsReads))
  }

  /// Reads one document, building what `rules` read of it (see
  /// ``ConservationGuard/projectionTable(of:_:)``).
  func read(_ bytes: UnsafeRawBufferPointer, for rules: GuardRules?) throws(Diagnostic) -> Value {
    if rules !== chosenFor {
      let table = ConservationGuard.projectionTable(of: rules, projectsReads)
      if reader.projection != (table?.projection ?? .wholeDocument) {
        reader = JSONDocumentReader(limits: limits, projectionTable: table)
      }
      chosenFor = rules
    }
    return try reader.read(bytes)
  }
}
