import ConstraintEngine
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How a ``BatchChecker`` reads and checks.
public struct BatchOptions: Sendable {
  /// Whether failing outcomes carry the values that decided them (``Explanation``).
  public var explain: Bool
  /// Threads that parse and check JSON lines (values below 1 count as 1). With 1, every line
  /// is parsed and checked on the calling thread.
  public var jobs: Int
  /// At most this many JSON lines per batch handed to a worker (values below 1 count as 1;
  /// nil: as many as ``batchBytes`` hold); also how many snapshots are reported at a time
  /// with one job (nil: 1,024).
  public var batchLines: Int?
  /// Bytes of input read at a time into the batch handed to a worker (a longer line grows
  /// it); a batch is handed out as soon as a read brings whole lines. With many workers it is
  /// lowered so that the two batches per worker in flight hold at most 16 MiB together (but
  /// at least 64 KiB each).
  public var batchBytes: Int
  /// Whether snapshots whose rules all passed or were skipped may be reported by their counts
  /// alone (``BatchEvent/passing(_:)``): workers then send back counts, not outcome arrays.
  public var summarisesPasses: Bool
  /// Limits on each snapshot document (size, depth, value memory).
  public var limits: JSONLimits
  /// The field whose value every reported snapshot carries as its ``CheckedSnapshot/key``.
  public var keyField: SnapshotKeyPath?
  /// Whether snapshots are read projected: only the values the checked rules (and the key
  /// field) read are built, the rest of each document is validated without being built
  /// (``RuleSet/readProjection(ruleIndexes:extraPaths:)``). Documents are accepted and refused
  /// exactly as in a full read, with the same diagnostics, and the outcomes are the same.
  /// On by default: where the documents hold little besides what is read, each reader
  /// switches to full reads, which then cost less (``JSONDocumentReader/projection``).
  public var projectsReads: Bool

  /// Options; by default explanations on, one job per active processor, batches read 1 MiB
  /// at a time, every snapshot reported one by one, the default JSON limits.
  public init(
    explain: Bool = true, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
    batchLines: Int? = nil, batchBytes: Int = 1 << 20, summarisesPasses: Bool = false,
    limits: JSONLimits = .default, keyField: SnapshotKeyPath? = nil, projectsReads: Bool = true
  ) {
    self.keyField = keyField
    self.projectsReads = projectsReads
    self.explain = explain
    self.jobs = jobs
    self.batchLines = batchLines
    self.batchBytes = batchBytes
    self.summarisesPasses = summarisesPasses
    self.limits = limits
  }
}

/// Checks batches of snapshots — JSON documents, JSON-lines files and streams — against a
/// compiled rule set, in parallel, reporting results in input order.
///
/// JSON-lines input with more than one job is read in chunks of whole lines on the calling
/// thread, straight into the memory of the batch that carries them to a worker thread, which
/// splits them into lines; the calling thread reports finished batches strictly in input
/// order (numbering their lines) while it goes on reading, so the results are the same as a
/// sequential run's. Memory stays bounded: at most two batches per worker are in flight, and
/// the values of long lines are paid for from one budget all workers share (at most
/// ``JSONLimits/minimumValueMemory`` at once, or the largest line alone). Every thread checks
/// with the one compiled rule set (a ``Program`` is immutable), so memory for rules does not
/// grow with the jobs.
///
/// Fail closed: a malformed or over-long line, a file that cannot be opened and a read error
/// are each reported as a ``CheckedSnapshot`` whose outcomes are a ``Diagnostic``; nothing is
/// skipped silently (blank lines are not snapshots). The checker never prints: warnings go to
/// a callback as ``BatchWarning`` values.
///
/// A worker thread that cannot be created (a process or address-space limit) is done without:
/// the workers that started share the work, and with none the calling thread checks alone.
///
/// Creating a checker makes glibc's allocator map blocks of 128 KiB and more on their own and
/// unmap them when freed (`mallopt(M_MMAP_THRESHOLD)`, once per process), so that no worker's
/// arena keeps a long line's memory.
public struct BatchChecker: Sendable {
  /// The rules checked.
  public let ruleSet: RuleSet
  /// The evaluation context of every snapshot.
  public let context: EvaluationContext
  /// How input is read and checked.
  public let options: BatchOptions
  /// Each worker thread's stack: deep documents and rules recurse (as much as the main
  /// thread has by default).
  public static let workerStackSize = 1 << 23
  /// Shared by every thread checking: long lines' values are paid for from it.
  let budget: MemoryBudget

  /// A checker of snapshots against `ruleSet` in `context`.
  public init(
    ruleSet: RuleSet, context: EvaluationContext = .empty, options: BatchOptions = BatchOptions()
  ) {
    self.ruleSet = ruleSet
    self.context = context
    self.options = options
    budget = MemoryBudget(capacity: options.limits.minimumValueMemory, limits: options.limits)
    MemoryBudget.mapsLargeBlocks
  }

  private var jobs: Int { max(1, options.jobs) }

  /// What is built of each snapshot checked against the rules at `ruleIndexes` (every rule
  /// when nil): the whole document when ``BatchOptions/projectsReads`` is off, else what those
  /// rules and the key field read.
  public func readProjection(ruleIndexes: [Int]? = nil) -> ReadProjection {
    guard options.projectsReads else { return .wholeDocument }
    let keyPath = options.keyField.map { FieldPath($0.keys.map { .key($0) }) }
    return ruleSet.readProjection(ruleIndexes: ruleIndexes, extraPaths: keyPath.map { [$0] } ?? [])
  }
  /// Snapshots reported at a time with one job.
  private var batchLines: Int { max(1, options.batchLines ?? 1024) }

  /// Checks every snapshot of `source` against the rules at `ruleIndexes` (every rule when
  /// nil), calling `emit` with the results in input order on the calling thread. `emit`
  /// returns false to stop early (the batches not yet reported are dropped); this function
  /// then returns false too, and true once the whole source was checked.
  ///
  /// `warning` receives what the caller may show its user (fewer worker threads than asked).
  /// `endOfBatch` is called after the events of each batch of JSON lines have been emitted: a
  /// streaming consumer writes out what it holds there.
  @discardableResult
  public func check(
    _ source: SnapshotSource, ruleIndexes: [Int]? = nil,
    warning: (BatchWarning) -> Void = { _ in }, endOfBatch: () -> Void = {},
    emit: (BatchEvent) -> Bool
  ) -> Bool {
    func emitBatch(_ batch: CheckedBatch) -> Bool {
      guard Self.report(batch, emit) else { return false }
      endOfBatch()
      return true
    }
    let indexes = ruleIndexes ?? Array(ruleSet.rules.indices)
    guard source.layout == .jsonLines else {
      var key: String?
      let outcomes = Result { () throws(Diagnostic) -> [RuleOutcome] in
        let value = try Self.readDocument(
          source.origin, limits: options.limits, projection: readProjection(ruleIndexes: indexes))
        key = options.keyField?.key(of: value)
        return ruleSet.check(
          value, ruleIndexes: indexes, context: context, explain: options.explain)
      }
      return emit(
        .snapshot(
          CheckedSnapshot(
            file: source.name, line: nil, ruleIndexes: indexes, outcomes: outcomes, key: key)))
    }
    let reader: JSONLinesReader
    switch source.origin {
    case .path(let path): reader = JSONLinesReader(path: path, limits: options.limits)
    case .fileDescriptor(let descriptor):
      reader = JSONLinesReader(fileDescriptor: descriptor, limits: options.limits)
    case .bytes(let bytes): reader = JSONLinesReader(bytes: bytes, limits: options.limits)
    }
    if jobs <= 1 {
      return runInline(
        reader, checker: checker(name: source.name, ruleIndexes: indexes), report: emitBatch)
    }
    return runParallel(
      reader, name: source.name, ruleIndexes: indexes, warning: warning, report: emitBatch)
  }

  /// The one document of a source laid out as ``SnapshotSource/Layout/document``.
  private static func readDocument(
    _ origin: SnapshotSource.Origin, limits: JSONLimits, projection: ReadProjection
  ) throws(Diagnostic) -> Value {
    switch origin {
    case .path(let path):
      return try JSONReader.readFile(atPath: path, limits: limits, projection: projection)
    case .bytes(let bytes):
      return try JSONReader.read(bytes, limits: limits, projection: projection)
    case .fileDescriptor(let descriptor):
      return try JSONReader.read(
        fileDescriptor: descriptor, limits: limits, projection: projection)
    }
  }

  /// How many of `jobs` workers to start: under an address-space limit (`ulimit -v`), their
  /// stacks may take at most a quarter of it, so that the heap keeps room (workers started
  /// until stacks filled the address space would leave none for the snapshots). With the
  /// warning to give when that is fewer than `jobs`.
  static func workersFitting(_ jobs: Int) -> (Int, BatchWarning?) {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0,
      limit.rlim_cur != rlim_t.max  // RLIM_INFINITY
    else {
      return (jobs, nil)
    }
    let fitting = max(1, Int(clamping: limit.rlim_cur / 4) / workerStackSize)
    guard fitting < jobs else { return (jobs, nil) }
    return (
      fitting,
      .workersLimitedByAddressSpace(
        started: fitting, requested: jobs, stackBytes: workerStackSize,
        addressSpaceBytes: Int(clamping: limit.rlim_cur))
    )
  }

  /// All the chunks of short lines in flight together (two per worker) hold at most this.
  static let chunksInFlightBytes = 1 << 24

  /// The bytes read at a time into each batch with `workers` workers: `requested`, but no more
  /// than keeps two chunks per worker within ``chunksInFlightBytes``, and at least 64 KiB.
  static func chunkBytes(_ requested: Int, workers: Int) -> Int {
    min(max(1, requested), max(1 << 16, chunksInFlightBytes / (2 * max(1, workers))))
  }

  private func checker(name: String, ruleIndexes: [Int]) -> SnapshotChecker {
    SnapshotChecker(
      ruleSet: ruleSet, context: context, explain: options.explain,
      summarisePasses: options.summarisesPasses, limits: options.limits, budget: budget,
      name: name, ruleIndexes: ruleIndexes, keyField: options.keyField,
      projection: readProjection(ruleIndexes: ruleIndexes),
      slotPlan: slotPlan(ruleIndexes: ruleIndexes))
  }

  /// The plan deciding lines without building values (``RuleSet/slotPlan(ruleIndexes:)``),
  /// nil when the rules at `ruleIndexes` do not qualify, reads are not projected
  /// (``BatchOptions/projectsReads``) or a key field is reported (read from each value).
  package func slotPlan(ruleIndexes: [Int]) -> SlotPlan? {
    guard options.projectsReads, options.keyField == nil else { return nil }
    return ruleSet.slotPlan(ruleIndexes: ruleIndexes)
  }

  private struct Stop: Error {}

  /// Reports a finished batch's events in order, as long as `emit` agrees.
  private static func report(_ batch: CheckedBatch, _ emit: (BatchEvent) -> Bool) -> Bool {
    for item in batch.reported {
      if !item.passingBefore.isEmpty, !emit(.passing(item.passingBefore)) { return false }
      if !emit(.snapshot(item.snapshot)) { return false }
    }
    return batch.passingAfter.isEmpty || emit(.passing(batch.passingAfter))
  }

  /// Checks each line where the reader holds it, on the calling thread; `report` emits a
  /// checked batch's events.
  private func runInline(
    _ reader: JSONLinesReader, checker: SnapshotChecker, report: (CheckedBatch) -> Bool
  ) -> Bool {
    var batch = CheckedBatch()
    var keepGoing = true
    do {
      try reader.forEachRawLine { number, line in
        checker.check(number: number, line: line, into: &batch)
        guard batch.snapshots >= batchLines else { return }
        keepGoing = report(batch)
        batch.removeAll()
        if !keepGoing { throw Stop() }
      }
    } catch {}
    if keepGoing, batch.snapshots > 0 { keepGoing = report(batch) }
    return keepGoing
  }

  /// Reads chunks of whole lines into batches on the calling thread, splits and checks them on
  /// `jobs` threads and reports the results in input order.
  private func runParallel(
    _ reader: JSONLinesReader, name: String, ruleIndexes indexes: [Int],
    warning: (BatchWarning) -> Void, report: (CheckedBatch) -> Bool
  ) -> Bool {
    let limits = options.limits
    var workers: [WorkerThread] = []
    var startFailure: String?
    let (workerCount, capped) = Self.workersFitting(jobs)
    if let capped { warning(capped) }
    let batchBytes = Self.chunkBytes(options.batchBytes, workers: workerCount)
    let exchange = BatchExchange(largestSpare: 2 * batchBytes)
    for _ in 0..<workerCount {
      let checker = checker(name: name, ruleIndexes: indexes)
      let started = WorkerThread.start(stackSize: Self.workerStackSize) {
        while let (sequence, raw) = exchange.nextBatch() {
          var checked = CheckedBatch()
          let lines = JSONLinesReader.forEachLine(of: raw, limits: limits) { number, line in
            checker.check(number: number, line: line, into: &checked)
          }
          checked.lines = lines
          exchange.finish(sequence, checked, recycling: raw)
        }
      }
      switch started {
      case .success(let worker): workers.append(worker)
      case .failure(let reason):
        startFailure = reason.message
      }
      if startFailure != nil { break }
    }
    if let startFailure {
      warning(.workersNotStarted(started: workers.count, requested: jobs, reason: startFailure))
    }
    guard !workers.isEmpty else {
      exchange.close(discardingPending: true)
      return runInline(
        reader, checker: checker(name: name, ruleIndexes: indexes), report: report)
    }
    // A thread that cannot be created is not waited for: only started ones are joined.
    defer {
      exchange.close(discardingPending: true)
      for worker in workers { worker.join() }
    }

    let filling = BatchFilling(exchange: exchange, maximumInFlight: workers.count * 2)
    do {
      try reader.forEachChunk(
        chunkSize: batchBytes, maximumLines: options.batchLines.map { max(1, $0) } ?? .max,
        makeChunk: exchange.spareChunk
      ) { chunk in
        filling.submit(chunk, report)
        if !filling.keepGoing { throw Stop() }
      }
    } catch {}
    while filling.keepGoing, filling.reported < filling.submitted {
      _ = filling.reportNext(wait: true, report)
    }
    // After a stop, the batches not yet checked are dropped (the deferred close).
    return filling.keepGoing
  }
}

/// The reading thread's side of ``BatchChecker``'s parallel run: the batches handed out and
/// reported (at most `maximumInFlight` in flight, which bounds memory), the lines reported so
/// far (the workers number lines within their batch), and whether reporting goes on. A class
/// with unchecked exclusivity, so that the per-chunk closure reaches it without dynamic
/// checks; only the reading thread uses it.
private final class BatchFilling {
  @exclusivity(unchecked) private(set) var submitted = 0
  /// Lines of the input in the batches reported (blank ones included).
  @exclusivity(unchecked) private var linesReported = 0
  @exclusivity(unchecked) private(set) var reported = 0
  @exclusivity(unchecked) private(set) var keepGoing = true
  private let exchange: BatchExchange
  private let maximumInFlight: Int

  init(exchange: BatchExchange, maximumInFlight: Int) {
    self.exchange = exchange
    self.maximumInFlight = maximumInFlight
  }

  /// Reports the next batch in input order with `report`: waiting for it when `wait`, else
  /// only if done.
  func reportNext(wait: Bool, _ report: (CheckedBatch) -> Bool) -> Bool {
    guard reported < submitted, var checked = exchange.take(reported, wait: wait) else {
      return false
    }
    reported += 1
    if linesReported > 0 {
      for index in checked.reported.indices {
        checked.reported[index].snapshot.line? += linesReported
      }
    }
    linesReported += checked.lines
    keepGoing = report(checked)
    return true
  }

  /// Hands `chunk` to the workers, reports what is done with `report`, and waits while too
  /// many batches are in flight.
  func submit(_ chunk: JSONLinesChunk, _ report: (CheckedBatch) -> Bool) {
    exchange.submit(submitted, chunk)
    submitted += 1
    while keepGoing, reportNext(wait: false, report) {}
    while keepGoing, submitted - reported >= maximumInFlight {
      _ = reportNext(wait: true, report)
    }
  }
}
