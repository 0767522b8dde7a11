import ConstraintEngine
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One `--data` argument resolved: the files it stands for and the schema it is bound to.
struct DataSource {
  /// nil: checked against every rule.
  var schema: String?
  /// Files in order (`-` for standard input).
  var files: [String]
  /// The path as given (after any `SCHEMA=`), for messages.
  var path: String
  /// Set when `path` is a directory without snapshot files.
  var emptyDirectory = false

  /// Resolves `SCHEMA=PATH` or `PATH`. The part before `=` binds only when it names a schema of
  /// the loaded rules; a path that exists as written is never split. A directory stands for
  /// its snapshot files as ``FileDiscovery/snapshotFiles(_:)`` finds them; every path that
  /// cannot be walked is an error, and a directory without snapshot files resolves to no files
  /// (checking nothing is refused later, unless `--allow-empty`).
  static func resolve(_ argument: String, schemas: Set<String>)
    -> Result<DataSource, DataSourceError>
  {
    var schema: String?
    var path = argument
    if let equals = argument.firstIndex(of: "="), !FileManager.default.fileExists(atPath: argument)
    {
      let name = String(argument[..<equals])
      guard schemas.contains(name) else {
        let known = schemas.sorted().joined(separator: ", ")
        return .failure(
          DataSourceError(
            message: "--data \(argument): `\(name)` is not the schema_id of a loaded rule file "
              + "(loaded: \(known))"))
      }
      schema = name
      path = String(argument[argument.index(after: equals)...])
    }
    if path == "-" {
      if let problem = SnapshotInput.unusable(path) {
        return .failure(DataSourceError(message: problem))
      }
      return .success(DataSource(schema: schema, files: ["-"], path: path))
    }
    let found = FileDiscovery.snapshotFiles(path)
    guard found.problems.isEmpty else {
      return .failure(
        DataSourceError(
          messages: found.problems.map {
            $0.path == path ? "--data \(path): \($0.message)" : "--data \(path): \($0)"
          }))
    }
    return .success(
      DataSource(
        schema: schema, files: found.files, path: path,
        emptyDirectory: !found.emptyDirectories.isEmpty))
  }
}

/// A `--data` argument that names nothing usable.
struct DataSourceError: Error {
  /// One line per problem.
  var messages: [String]

  init(message: String) { messages = [message] }
  init(messages: [String]) { self.messages = messages }
}

/// One snapshot's results: the outcome of each rule that applies, or why it could not be read.
struct CheckedSnapshot: Sendable {
  var file: String
  /// The JSONL line, nil for a `.json` document.
  var line: Int?
  /// Indexes into the rule set's rules, parallel to the outcomes.
  var ruleIndexes: [Int]
  var outcomes: Result<[RuleOutcome], JSONError>

  /// `file` or `file:line`.
  var location: String { line.map { "\(file):\($0)" } ?? file }
}

/// Consecutive snapshots whose every rule passed or was skipped, reported by their counts
/// alone (when the output lists neither passes nor skips).
struct PassingRun: Sendable {
  var snapshots = 0
  /// Passing pairs.
  var passed = 0
  /// Skipped pairs.
  var skipped = 0

  var isEmpty: Bool { snapshots == 0 }
}

/// What the pipeline reports, in input order.
enum CheckEvent {
  /// Snapshots that all passed, by their counts.
  case passing(PassingRun)
  /// A snapshot with every outcome (or why it could not be read).
  case snapshot(CheckedSnapshot)
}

/// Reads snapshots and checks them, in input order.
///
/// JSONL input with `jobs > 1` is read in batches of raw lines on the calling thread, which
/// hands them to `jobs` worker threads and reports finished batches strictly in input order
/// while it goes on reading, so the output is the same as a sequential run. Memory stays
/// bounded: at most `2 × jobs` batches are in flight. With `jobs == 1` every line is parsed
/// where the reader holds it. Each thread parses with its own ``JSONDocumentReader``; every
/// thread checks with the one compiled rule set (a ``Program`` is immutable and may be
/// evaluated from any number of threads), so memory for rules does not grow with `jobs`.
///
/// A worker thread that cannot be created (a process or address-space limit) is done without:
/// the workers that started share the work, and with none the calling thread checks alone.
///
/// With `summarisePasses`, a snapshot whose rules all passed or were skipped is reported only
/// as part of a ``PassingRun``: workers send back counts, not outcome arrays.
struct CheckPipeline: Sendable {
  let ruleSet: RuleSet
  let context: EvaluationContext
  let explain: Bool
  let jobs: Int
  let batchLines: Int
  /// Whether all-passing snapshots may be reported by counts (see ``CheckEvent/passing(_:)``).
  let summarisePasses: Bool
  let limits: JSONLimits
  /// Raw batches are handed to a worker at this size even before `batchLines` lines.
  var batchBytes = 1 << 22
  /// Each worker thread's stack: deep documents and rules recurse (as much as the main
  /// thread has by default).
  static let workerStackSize = 1 << 23
  /// Shared by every thread checking: long lines' values are paid for from it.
  let budget: MemoryBudget

  /// A pipeline checking with `ruleSet`.
  init(
    ruleSet: RuleSet, context: EvaluationContext, explain: Bool, jobs: Int, batchLines: Int,
    summarisePasses: Bool, limits: JSONLimits = .default
  ) {
    self.ruleSet = ruleSet
    self.context = context
    self.explain = explain
    self.jobs = jobs
    self.batchLines = batchLines
    self.summarisePasses = summarisePasses
    self.limits = limits
    budget = MemoryBudget(capacity: limits.minimumValueMemory, limits: limits)
    MemoryBudget.mapsLargeBlocks
  }

  /// Checks every snapshot of `file` against the rules at `indexes`, calling `emit` with the
  /// results in order. `emit` returns false to stop; so does this function.
  /// `warn` receives a line for standard error when fewer worker threads could be started
  /// than asked for.
  func run(
    file: String, ruleIndexes indexes: [Int], warn: (String) -> Void = { _ in },
    emit: (CheckEvent) -> Bool
  ) -> Bool {
    let name = file == "-" ? "<stdin>" : file
    let isLines = FileDiscovery.isJSONLinesName(file)
    guard isLines else {
      let outcomes = Result { () throws(JSONError) -> [RuleOutcome] in
        let value = try JSONReader.readFile(atPath: file, limits: limits)
        return ruleSet.check(value, ruleIndexes: indexes, context: context, explain: explain)
      }
      return emit(
        .snapshot(CheckedSnapshot(file: name, line: nil, ruleIndexes: indexes, outcomes: outcomes)))
    }
    let reader =
      file == "-"
      ? JSONLinesReader(fileDescriptor: 0, limits: limits)
      : JSONLinesReader(path: file, limits: limits)
    if jobs <= 1 {
      return runInline(reader, checker: checker(name: name, ruleIndexes: indexes), emit: emit)
    }
    return runParallel(reader, name: name, ruleIndexes: indexes, warn: warn, emit: emit)
  }

  /// How many of `jobs` workers to start: under an address-space limit (`ulimit -v`), their
  /// stacks may take at most a quarter of it, so that the heap keeps room (workers started
  /// until stacks filled the address space would leave none for the snapshots). With the
  /// warning to give when that is fewer than `jobs`.
  static func workersFitting(_ jobs: Int) -> (Int, String?) {
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
      "warning: starting \(fitting) of \(jobs) worker threads: their \(workerStackSize >> 20) MiB "
        + "stacks may take at most a quarter of the \(Int(clamping: limit.rlim_cur >> 20)) MiB "
        + "address-space limit (ulimit -v)"
    )
  }

  private func checker(name: String, ruleIndexes: [Int]) -> SnapshotChecker {
    SnapshotChecker(
      ruleSet: ruleSet, context: context, explain: explain, summarisePasses: summarisePasses,
      limits: limits, budget: budget, name: name, ruleIndexes: ruleIndexes)
  }

  private struct Stop: Error {}

  /// Reports a finished batch's events in order, as long as `emit` agrees.
  private static func report(_ batch: CheckedBatch, _ emit: (CheckEvent) -> Bool) -> Bool {
    for item in batch.reported {
      if !item.passingBefore.isEmpty, !emit(.passing(item.passingBefore)) { return false }
      if !emit(.snapshot(item.snapshot)) { return false }
    }
    return batch.passingAfter.isEmpty || emit(.passing(batch.passingAfter))
  }

  /// Checks each line where the reader holds it, on the calling thread.
  private func runInline(
    _ reader: JSONLinesReader, checker: SnapshotChecker, emit: (CheckEvent) -> Bool
  ) -> Bool {
    var batch = CheckedBatch()
    var keepGoing = true
    do {
      try reader.forEachRawLine { number, line in
        checker.check(number: number, line: line, into: &batch)
        guard batch.snapshots >= batchLines else { return }
        keepGoing = Self.report(batch, emit)
        batch.removeAll()
        if !keepGoing { throw Stop() }
      }
    } catch {}
    if keepGoing, batch.snapshots > 0 { keepGoing = Self.report(batch, emit) }
    return keepGoing
  }

  /// Copies lines into batches on the calling thread, checks them on `jobs` threads and
  /// reports the results in input order.
  private func runParallel(
    _ reader: JSONLinesReader, name: String, ruleIndexes indexes: [Int],
    warn: (String) -> Void, emit: (CheckEvent) -> Bool
  ) -> Bool {
    let exchange = BatchExchange(largestSpare: 2 * batchBytes)
    var workers: [WorkerThread] = []
    var startFailure: String?
    let (workerCount, capped) = Self.workersFitting(jobs)
    if let capped { warn(capped) }
    for _ in 0..<workerCount {
      let checker = checker(name: name, ruleIndexes: indexes)
      let started = WorkerThread.start(stackSize: Self.workerStackSize) {
        while let (sequence, raw) = exchange.nextBatch() {
          var checked = CheckedBatch()
          raw.bytes.withUnsafeBytes { bytes in
            for entry in raw.entries {
              let line = entry.content.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
              checker.check(number: entry.number, line: line, into: &checked)
            }
          }
          exchange.finish(sequence, checked, recycling: consume raw)
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
      let fallback =
        workers.isEmpty ? "checking on the main thread" : "checking with \(workers.count)"
      warn(
        "warning: started \(workers.count) of \(jobs) worker threads (cannot create more: "
          + "\(startFailure)); \(fallback)")
    }
    guard !workers.isEmpty else {
      exchange.close(discardingPending: true)
      return runInline(reader, checker: checker(name: name, ruleIndexes: indexes), emit: emit)
    }
    // A thread that cannot be created is not waited for: only started ones are joined.
    defer {
      exchange.close(discardingPending: true)
      for worker in workers { worker.join() }
    }
    let maximumInFlight = workers.count * 2

    // Batches handed out and not yet reported (at most `maximumInFlight`) bound memory.
    var batch = exchange.spareBatch()
    var submitted = 0
    var reported = 0
    var keepGoing = true

    /// Reports the next batch in input order: waiting for it when `wait`, else only if done.
    func reportNext(wait: Bool) -> Bool {
      guard reported < submitted, let checked = exchange.take(reported, wait: wait) else {
        return false
      }
      reported += 1
      keepGoing = Self.report(checked, emit)
      return true
    }

    func submit() {
      exchange.submit(submitted, batch)
      submitted += 1
      batch = exchange.spareBatch()
      while keepGoing, reportNext(wait: false) {}
      while keepGoing, submitted - reported >= maximumInFlight { _ = reportNext(wait: true) }
    }

    do {
      try reader.forEachRawLine { number, line in
        batch.append(number: number, line: line)
        guard batch.count >= batchLines || batch.bytes.count >= batchBytes else { return }
        submit()
        if !keepGoing { throw Stop() }
      }
      if keepGoing, !batch.isEmpty { submit() }
    } catch {}
    while keepGoing, reported < submitted { _ = reportNext(wait: true) }
    // After a stop, the batches not yet checked are dropped (the deferred close).
    return keepGoing
  }
}

/// A worker thread started with pthread_create, so that a failure to create it is known
/// (and the thread never waited for) instead of silently leaving its work undone.
private final class WorkerThread {
  struct StartFailure: Error {
    var message: String
  }

  private final class Body {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
  }

  private let thread: pthread_t

  private init(thread: pthread_t) {
    self.thread = thread
  }

  /// Starts `body` on a new thread with a stack of `stackSize` bytes.
  static func start(stackSize: Int, _ body: @escaping () -> Void)
    -> Result<WorkerThread, StartFailure>
  {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, stackSize)
    let context = Unmanaged.passRetained(Body(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(
      &thread, &attributes,
      { context in
        Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
        return nil
      }, context)
    guard status == 0 else {
      Unmanaged<Body>.fromOpaque(context).release()
      return .failure(StartFailure(message: String(cString: strerror(status))))
    }
    return .success(WorkerThread(thread: thread))
  }

  /// Waits for the thread to end.
  func join() {
    pthread_join(thread, nil)
  }
}

/// The memory the values of long JSON lines may take at once, shared by every worker: a line
/// waits until its estimated need fits beside the lines being checked, or, when it alone
/// needs more than the budget, until it is alone. So with any number of workers, long lines
/// never take more together than the budget or the largest one alone — what one worker
/// reading them in turn would take — and the order of the output does not change.
final class MemoryBudget: @unchecked Sendable {
  /// Lines shorter than this are not counted: their values take at most ~2 MiB (an 8 KiB
  /// line of `1e4000,…` expands the most).
  static let countedLineBytes = 1 << 13

  /// glibc's `malloc_trim` (not in the Glibc module's headers), when the C library has it.
  static let trimHeap: (@convention(c) (Int) -> Int32)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else {
      return nil
    }
    return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
  }()

  /// Makes the allocator map blocks of 128 KiB and more on their own and unmap them when
  /// freed, once per process. By default glibc raises that threshold after the first large
  /// block is freed, and later large blocks (a long line's values) stay in the arena of the
  /// thread that freed them: each worker would keep a long line's worth.
  static let mapsLargeBlocks: Void = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
    _ = mallopt(mmapThreshold, 1 << 17)
  }()

  let capacity: Int
  let limits: JSONLimits
  private let condition = NSCondition()
  private var used = 0

  init(capacity: Int, limits: JSONLimits) {
    self.capacity = capacity
    self.limits = limits
  }

  /// Waits for, and takes, the estimated memory of a document's values; returns the amount
  /// taken (0 for a document the reader will refuse anyway).
  func reserve(for document: UnsafeRawBufferPointer) -> Int {
    let needed = JSONMemoryEstimate.scan(document).bytes(perValue: JSONMemoryEstimate.bytesPerValue)
    guard needed <= limits.valueMemoryAllowed(forDocumentOf: document.count) else { return 0 }
    condition.lock()
    defer { condition.unlock() }
    while used > 0 && used + needed > capacity { condition.wait() }
    used += needed
    return needed
  }

  /// Gives back what ``reserve(for:)`` took, once the values it paid for are freed.
  func release(_ amount: Int) {
    guard amount > 0 else { return }
    // Return the freed pages to the system: the allocator would otherwise keep them in this
    // thread's arena, and every worker's arena would hold a long line's worth.
    _ = MemoryBudget.trimHeap?(0)
    condition.lock()
    used -= amount
    condition.broadcast()
    condition.unlock()
  }
}

/// Parses and checks snapshots on one thread, with that thread's JSON reader.
private final class SnapshotChecker {
  let ruleSet: RuleSet
  let context: EvaluationContext
  let explain: Bool
  let summarisePasses: Bool
  let name: String
  let ruleIndexes: [Int]
  let reader: JSONDocumentReader
  let budget: MemoryBudget

  init(
    ruleSet: RuleSet, context: EvaluationContext, explain: Bool, summarisePasses: Bool,
    limits: JSONLimits, budget: MemoryBudget, name: String, ruleIndexes: [Int]
  ) {
    self.ruleSet = ruleSet
    self.context = context
    self.explain = explain
    self.summarisePasses = summarisePasses
    self.name = name
    self.ruleIndexes = ruleIndexes
    self.budget = budget
    reader = JSONDocumentReader(limits: limits)
  }

  /// Parses and checks one JSONL line (or records why it could not be read) into `batch`.
  func check(
    number: Int, line: Result<UnsafeRawBufferPointer, JSONError>, into batch: inout CheckedBatch
  ) {
    let outcomes: Result<[RuleOutcome], JSONError>
    switch line {
    case .failure(let error):
      outcomes = .failure(error)
    case .success(let bytes):
      // A long line's values are paid for from the budget all workers share, for as long as
      // they live; a short one (at most ~2 MiB of values) is not counted.
      let reserved = bytes.count < MemoryBudget.countedLineBytes ? 0 : budget.reserve(for: bytes)
      defer { budget.release(reserved) }
      do throws(JSONError) {
        let value = try reader.read(bytes)
        let found = ruleSet.check(
          value, ruleIndexes: ruleIndexes, context: context, explain: explain)
        if summarisePasses, batch.addIfPassing(found) { return }
        outcomes = .success(found)
      } catch {
        var located = error
        located.jsonlLine = number
        outcomes = .failure(located)
      }
    }
    batch.add(
      CheckedSnapshot(file: name, line: number, ruleIndexes: ruleIndexes, outcomes: outcomes))
  }
}

/// A checked batch: the snapshots to report one by one, each after the run of passing
/// snapshots before it, and the run after the last.
private struct CheckedBatch: Sendable {
  struct Item: Sendable {
    var passingBefore: PassingRun
    var snapshot: CheckedSnapshot
  }

  var reported: [Item] = []
  var passingAfter = PassingRun()
  /// Snapshots checked, passing or reported.
  private(set) var snapshots = 0

  mutating func add(_ snapshot: CheckedSnapshot) {
    reported.append(Item(passingBefore: passingAfter, snapshot: snapshot))
    passingAfter = PassingRun()
    snapshots += 1
  }

  /// Counts `outcomes` into the current passing run when each one passed or was skipped.
  mutating func addIfPassing(_ outcomes: [RuleOutcome]) -> Bool {
    var skipped = 0
    for outcome in outcomes {
      switch outcome {
      case .evaluated(.pass): continue
      case .skipped: skipped += 1
      case .evaluated: return false
      }
    }
    passingAfter.snapshots += 1
    passingAfter.passed += outcomes.count - skipped
    passingAfter.skipped += skipped
    snapshots += 1
    return true
  }

  mutating func removeAll() {
    reported.removeAll(keepingCapacity: true)
    passingAfter = PassingRun()
    snapshots = 0
  }
}

/// Raw JSONL lines copied out of the reader's buffer, to be parsed on another thread.
private struct RawBatch: Sendable {
  struct Entry: Sendable {
    var number: Int
    var content: Result<Range<Int>, JSONError>
  }

  var bytes: [UInt8] = []
  var entries: [Entry] = []

  var count: Int { entries.count }
  var isEmpty: Bool { entries.isEmpty }

  mutating func append(number: Int, line: Result<UnsafeRawBufferPointer, JSONError>) {
    switch line {
    case .failure(let error):
      entries.append(Entry(number: number, content: .failure(error)))
    case .success(let raw):
      let start = bytes.count
      bytes.append(contentsOf: raw)
      entries.append(Entry(number: number, content: .success(start..<bytes.count)))
    }
  }

  mutating func removeAll() {
    bytes.removeAll(keepingCapacity: true)
    entries.removeAll(keepingCapacity: true)
  }
}

/// What the reading thread and the workers pass each other: raw batches to check (first in,
/// first out), checked batches by sequence number, and emptied raw batches to fill again
/// (which keeps their memory from one batch to the next).
private final class BatchExchange: @unchecked Sendable {
  private let condition = NSCondition()
  private var pending: [(sequence: Int, batch: RawBatch)] = []
  private var pendingStart = 0
  private var closed = false
  private var finished: [Int: CheckedBatch] = [:]
  private var spares: [RawBatch] = []
  /// Raw batches that grew beyond this many bytes (for very long lines) are not kept.
  private let largestSpare: Int

  init(largestSpare: Int) {
    self.largestSpare = largestSpare
  }

  /// Hands a raw batch to the workers.
  func submit(_ sequence: Int, _ batch: RawBatch) {
    condition.lock()
    pending.append((sequence, batch))
    condition.broadcast()
    condition.unlock()
  }

  /// An empty raw batch, with memory left over from an earlier one when there is one.
  func spareBatch() -> RawBatch {
    condition.lock()
    defer { condition.unlock() }
    return spares.popLast() ?? RawBatch()
  }

  /// The next batch to check, waiting for one; nil once closed and drained.
  func nextBatch() -> (Int, RawBatch)? {
    condition.lock()
    defer { condition.unlock() }
    while pendingStart == pending.count {
      if closed { return nil }
      condition.wait()
    }
    let next = pending[pendingStart]
    pending[pendingStart].batch = RawBatch()
    pendingStart += 1
    if pendingStart == pending.count {
      pending.removeAll(keepingCapacity: true)
      pendingStart = 0
    }
    return (next.sequence, next.batch)
  }

  /// Records a checked batch, and keeps its raw batch's memory for reuse unless it is large.
  func finish(_ sequence: Int, _ checked: CheckedBatch, recycling raw: consuming RawBatch) {
    let keep = raw.bytes.capacity <= largestSpare
    if keep { raw.removeAll() }
    condition.lock()
    finished[sequence] = checked
    if keep { spares.append(raw) }
    condition.broadcast()
    condition.unlock()
  }

  /// The checked batch `sequence`, removed; waits for it when `wait`, else nil if not done.
  func take(_ sequence: Int, wait: Bool) -> CheckedBatch? {
    condition.lock()
    defer { condition.unlock() }
    while wait && finished[sequence] == nil { condition.wait() }
    return finished.removeValue(forKey: sequence)
  }

  /// No more batches will come; workers stop once the pending ones are checked, or at once
  /// when `discardingPending`.
  func close(discardingPending: Bool) {
    condition.lock()
    closed = true
    if discardingPending {
      pending.removeAll()
      pendingStart = 0
    }
    condition.broadcast()
    condition.unlock()
  }
}
