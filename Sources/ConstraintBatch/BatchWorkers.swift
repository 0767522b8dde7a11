import ConstraintEngine
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A worker thread started with pthread_create, so that a failure to create it is known
/// (and the thread never waited for) instead of silently leaving its work undone.
final class WorkerThread {
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
final class SnapshotChecker {
  let ruleSet: RuleSet
  let context: EvaluationContext
  let explain: Bool
  let summarisePasses: Bool
  let name: String
  let ruleIndexes: [Int]
  let reader: JSONDocumentReader
  let budget: MemoryBudget
  let keyField: SnapshotKeyPath?
  /// The outcomes of the line being checked: reused from line to line while no reported
  /// snapshot holds them (a passing line allocates no array).
  private var lineOutcomes: [RuleOutcome] = []
  /// Decides lines from where their fields lie, without building values, when the rules
  /// qualify (``RuleSet/slotPlan(ruleIndexes:)``); lines it leaves are read as before.
  let slotReader: SlotReader?

  init(
    ruleSet: RuleSet, context: EvaluationContext, explain: Bool, summarisePasses: Bool,
    limits: JSONLimits, budget: MemoryBudget, name: String, ruleIndexes: [Int],
    keyField: SnapshotKeyPath?, projection: ReadProjection, slotPlan: SlotPlan? = nil
  ) {
    self.keyField = keyField
    self.ruleSet = ruleSet
    self.context = context
    self.explain = explain
    self.summarisePasses = summarisePasses
    self.name = name
    self.ruleIndexes = ruleIndexes
    self.budget = budget
    reader = JSONDocumentReader(limits: limits, projection: projection)
    // A key field is read from the value of every reported line.
    if keyField == nil, let slotPlan {
      slotReader = SlotReader(plan: slotPlan, reader: reader, explain: explain)
    } else {
      slotReader = nil
    }
  }

  /// Parses and checks one JSONL line (or records why it could not be read) into `batch`.
  func check(
    number: Int, line: Result<UnsafeRawBufferPointer, Diagnostic>, into batch: inout CheckedBatch
  ) {
    let outcomes: Result<[RuleOutcome], Diagnostic>
    var key: String?
    switch line {
    case .failure(let error):
      outcomes = .failure(error)
    case .success(let bytes):
      // A long line's values are paid for from the budget all workers share, for as long as
      // they live; a short one (at most ~2 MiB of values) is not counted.
      let reserved = bytes.count < MemoryBudget.countedLineBytes ? 0 : budget.reserve(for: bytes)
      defer { budget.release(reserved) }
      if let failing = slotReader?.failures(bytes) {
        // Every rule passed or was skipped: counted without an array of outcomes.
        if failing == 0, summarisePasses, slotReader!.passesCount {
          batch.addPassing(rules: slotReader!.ruleCount, skipped: slotReader!.skippedCount)
          return
        }
        let found = Self.outcomes(failing: failing, slotReader!.plan)
        if summarisePasses, batch.addIfPassing(found) { return }
        outcomes = .success(found)
        break
      }
      let decoded = SnapshotLineDecoder.decode(bytes, with: reader)
      switch consume decoded {
      case .success(let value):
        var found = lineOutcomes
        lineOutcomes = []
        ruleSet.check(
          value, ruleIndexes: ruleIndexes, context: context, explain: explain, into: &found)
        if summarisePasses, batch.addIfPassing(found) {
          lineOutcomes = found
          // The snapshot's objects are built again in its storage (what outcomes hold of it
          // stays theirs).
          reader.recycle(value)
          return
        }
        key = keyField?.key(of: value)
        outcomes = .success(found)
        reader.recycle(value)
      case .failure(let diagnostic):
        outcomes = .failure(diagnostic)
      }
    }
    batch.add(
      CheckedSnapshot(
        file: name, line: number, ruleIndexes: ruleIndexes, outcomes: outcomes, key: key))
  }
}

extension SnapshotChecker {
  /// The outcomes of a line whose failing rules (by position) a ``SlotReader`` found: each
  /// rule's outcome as ``RuleSet/check(_:ruleIndexes:context:explain:into:)`` gives it without
  /// explanations (a rule decided by its fast path passes, or fails with no explanation).
  static func outcomes(failing: UInt64, _ plan: SlotPlan) -> [RuleOutcome] {
    guard failing != 0 else { return plan.passingOutcomes }
    var outcomes = plan.passingOutcomes
    for position in outcomes.indices where failing & (1 &<< UInt64(position)) != 0 {
      outcomes[position] = .evaluated(.fail(Explanation()))
    }
    return outcomes
  }
}

/// A checked batch: the snapshots to report one by one, each after the run of passing
/// snapshots before it, and the run after the last.
struct CheckedBatch: Sendable {
  struct Item: Sendable {
    var passingBefore: PassingRun
    var snapshot: CheckedSnapshot
  }

  var reported: [Item] = []
  var passingAfter = PassingRun()
  /// Snapshots checked, passing or reported.
  private(set) var snapshots = 0
  /// Lines of the input the batch held (blank ones included), which the reported snapshots'
  /// line numbers within the batch are counted from (parallel runs).
  var lines = 0

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

  /// Counts a snapshot whose `rules` outcomes are each a pass or a skip (`skipped` of them)
  /// into the current passing run, as ``addIfPassing(_:)`` counts it.
  mutating func addPassing(rules: Int, skipped: Int) {
    passingAfter.snapshots += 1
    passingAfter.passed += rules - skipped
    passingAfter.skipped += skipped
    snapshots += 1
  }

  mutating func removeAll() {
    reported.removeAll(keepingCapacity: true)
    passingAfter = PassingRun()
    snapshots = 0
  }
}

/// What the reading thread and the workers pass each other: chunks of lines to check (first
/// in, first out), checked batches by sequence number, and emptied chunks to fill again
/// (which keeps their memory from one batch to the next).
final class BatchExchange: @unchecked Sendable {
  private let condition = NSCondition()
  private var pending: [(sequence: Int, batch: JSONLinesChunk?)] = []
  private var pendingStart = 0
  private var closed = false
  private var finished: [Int: CheckedBatch] = [:]
  private var spares: [JSONLinesChunk] = []
  /// Chunks that grew beyond this many bytes (for very long lines) are not kept.
  private let largestSpare: Int

  init(largestSpare: Int) {
    self.largestSpare = largestSpare
  }

  /// Hands a chunk to the workers.
  func submit(_ sequence: Int, _ batch: JSONLinesChunk) {
    condition.lock()
    pending.append((sequence, batch))
    condition.broadcast()
    condition.unlock()
  }

  /// An empty chunk of at least `capacity` bytes, with memory left over from an earlier one
  /// when there is one.
  func spareChunk(_ capacity: Int) -> JSONLinesChunk {
    condition.lock()
    let spare = spares.last.map { $0.capacity >= capacity } == true ? spares.popLast() : nil
    condition.unlock()
    return spare ?? JSONLinesChunk(capacity: capacity)
  }

  /// The next batch to check, waiting for one; nil once closed and drained.
  func nextBatch() -> (Int, JSONLinesChunk)? {
    condition.lock()
    defer { condition.unlock() }
    while pendingStart == pending.count {
      if closed { return nil }
      condition.wait()
    }
    let next = pending[pendingStart]
    pending[pendingStart].batch = nil
    pendingStart += 1
    if pendingStart == pending.count {
      pending.removeAll(keepingCapacity: true)
      pendingStart = 0
    }
    return (next.sequence, next.batch!)
  }

  /// Records a checked batch, and keeps its chunk's memory for reuse unless it is large.
  func finish(_ sequence: Int, _ checked: CheckedBatch, recycling raw: JSONLinesChunk) {
    let keep = raw.capacity <= largestSpare
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
