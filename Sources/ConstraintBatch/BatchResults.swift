import ConstraintEngine

/// One snapshot's results: the outcome of each rule checked, or why the snapshot could not be
/// read.
public struct CheckedSnapshot: Sendable {
  /// The source's name (``SnapshotSource/name``): a path or `<stdin>`.
  public var file: String
  /// The 1-based input line for JSON lines; nil for a JSON document. 0 when a JSON-lines
  /// input could not be opened at all (no line of it was read).
  public var line: Int?
  /// Indexes into the rule set's ``RuleSet/rules``, parallel to the outcomes.
  public var ruleIndexes: [Int]
  /// The outcome of each rule at ``ruleIndexes``, or, for a snapshot that could not be read
  /// (malformed JSON, an over-long line, an unreadable file, a read error), the diagnostic
  /// (code ``DiagnosticCode/invalidJSON``) with its position in the document or line.
  public var outcomes: Result<[RuleOutcome], Diagnostic>
  /// The value of the ``BatchOptions/keyField`` as text (see ``SnapshotKeyPath/key(of:)``);
  /// nil without one, when the snapshot has no such field, or could not be read.
  public var key: String?

  /// A checked snapshot.
  public init(
    file: String, line: Int?, ruleIndexes: [Int], outcomes: Result<[RuleOutcome], Diagnostic>,
    key: String? = nil
  ) {
    self.file = file
    self.line = line
    self.ruleIndexes = ruleIndexes
    self.outcomes = outcomes
    self.key = key
  }

  /// `file` or `file:line`.
  public var location: String { line.map { "\(file):\($0)" } ?? file }
}

/// Consecutive snapshots whose every rule passed or was skipped, reported by their counts
/// alone (with ``BatchOptions/summarisesPasses``).
public struct PassingRun: Sendable, Hashable {
  /// Snapshots in the run.
  public var snapshots = 0
  /// Passing rule × snapshot pairs.
  public var passed = 0
  /// Skipped rule × snapshot pairs.
  public var skipped = 0

  /// An empty run.
  public init() {}

  /// A run of `snapshots` snapshots with `passed` passing and `skipped` skipped pairs.
  public init(snapshots: Int, passed: Int, skipped: Int) {
    self.snapshots = snapshots
    self.passed = passed
    self.skipped = skipped
  }

  /// Whether the run holds no snapshot.
  public var isEmpty: Bool { snapshots == 0 }
}

/// What a batch check reports, in input order.
public enum BatchEvent: Sendable {
  /// Snapshots that all passed, by their counts (only with ``BatchOptions/summarisesPasses``).
  case passing(PassingRun)
  /// A snapshot with every outcome, or why it could not be read.
  case snapshot(CheckedSnapshot)
}

/// Something a caller may want to tell its user that does not change the results: the batch
/// checker never prints.
public enum BatchWarning: Sendable, Hashable, CustomStringConvertible {
  /// Fewer worker threads than asked for, so that their stacks take at most a quarter of the
  /// process's address-space limit (`ulimit -v`).
  case workersLimitedByAddressSpace(
    started: Int, requested: Int, stackBytes: Int, addressSpaceBytes: Int)
  /// Creating a worker thread failed (a process or memory limit): the ones started share the
  /// work, and with none the calling thread checks alone.
  case workersNotStarted(started: Int, requested: Int, reason: String)

  /// One line for standard error, starting `warning: `.
  public var description: String {
    switch self {
    case .workersLimitedByAddressSpace(let started, let requested, let stack, let limit):
      return "warning: starting \(started) of \(requested) worker threads: their \(stack >> 20) "
        + "MiB stacks may take at most a quarter of the \(limit >> 20) MiB "
        + "address-space limit (ulimit -v)"
    case .workersNotStarted(let started, let requested, let reason):
      let fallback = started == 0 ? "checking on the main thread" : "checking with \(started)"
      return "warning: started \(started) of \(requested) worker threads (cannot create more: "
        + "\(reason)); \(fallback)"
    }
  }
}
