import ConstraintEngine
import Dispatch
import Foundation

/// One `--data` argument resolved: the files it stands for and the schema it is bound to.
struct DataSource {
  /// nil: checked against every rule.
  var schema: String?
  /// Files in order (`-` for standard input).
  var files: [String]

  /// Resolves `SCHEMA=PATH` or `PATH`. The part before `=` binds only when it names a schema of
  /// the loaded rules; a path that exists as written is never split.
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
    if path == "-" { return .success(DataSource(schema: schema, files: ["-"])) }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      return .failure(DataSourceError(message: "--data \(path): no such file or directory"))
    }
    guard isDirectory.boolValue else { return .success(DataSource(schema: schema, files: [path])) }
    let base = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
    var files: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: path)
    while let relative = enumerator?.nextObject() as? String {
      let isData =
        relative.hasSuffix(".json") || relative.hasSuffix(".jsonl") || relative.hasSuffix(".ndjson")
      guard isData, !relative.hasSuffix(RuleFileLoader.fileSuffix) else { continue }
      var isSubdirectory: ObjCBool = false
      let full = base + "/" + relative
      if FileManager.default.fileExists(atPath: full, isDirectory: &isSubdirectory),
        !isSubdirectory.boolValue
      {
        files.append(full)
      }
    }
    guard !files.isEmpty else {
      return .failure(
        DataSourceError(message: "--data \(path): no .json, .jsonl or .ndjson files in directory"))
    }
    files.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    return .success(DataSource(schema: schema, files: files))
  }
}

/// A `--data` argument that names nothing usable.
struct DataSourceError: Error {
  var message: String
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

/// Reads snapshots and checks them, in input order. JSONL input is read in batches of raw lines
/// on the calling thread, which hands each batch to a worker (at most `jobs` at once) and emits
/// finished batches strictly in input order while it goes on reading, so the output is the same
/// as a sequential run. Memory stays bounded: at most `2 × jobs` batches are in flight.
struct CheckPipeline: Sendable {
  let ruleSet: RuleSet
  let context: EvaluationContext
  let explain: Bool
  let jobs: Int
  let batchLines: Int
  var limits: JSONLimits = .default

  /// Checks every snapshot of `file` against the rules at `indexes`, calling `emit` with each
  /// result in order. `emit` returns false to stop; so does this function.
  func run(file: String, ruleIndexes indexes: [Int], emit: (CheckedSnapshot) -> Bool) -> Bool {
    let name = file == "-" ? "<stdin>" : file
    let isLines = file == "-" || file.hasSuffix(".jsonl") || file.hasSuffix(".ndjson")
    guard isLines else {
      let outcomes = Result { () throws(JSONError) -> [RuleOutcome] in
        let value = try JSONReader.readFile(atPath: file, limits: limits)
        return ruleSet.check(value, ruleIndexes: indexes, context: context, explain: explain)
      }
      return emit(CheckedSnapshot(file: name, line: nil, ruleIndexes: indexes, outcomes: outcomes))
    }
    let reader =
      file == "-"
      ? JSONLinesReader(fileDescriptor: 0, limits: limits)
      : JSONLinesReader(path: file, limits: limits)
    return runLines(reader, name: name, ruleIndexes: indexes, emit: emit)
  }

  private struct Stop: Error {}

  private func runLines(
    _ reader: JSONLinesReader, name: String, ruleIndexes indexes: [Int],
    emit: (CheckedSnapshot) -> Bool
  ) -> Bool {
    // Batches handed to workers and not yet emitted; bounds memory.
    let maximumInFlight = jobs <= 1 ? 1 : jobs * 2
    let finished = FinishedBatches()
    let workers = DispatchQueue(label: "constraint.check", attributes: .concurrent)
    let slots = DispatchSemaphore(value: jobs)
    var batch = RawBatch()
    var submitted = 0
    var emitted = 0
    var keepGoing = true

    /// Emits the next batch in input order: waiting for it when `wait`, else only if done.
    func emitNext(wait: Bool) -> Bool {
      guard emitted < submitted, let results = finished.take(emitted, wait: wait) else {
        return false
      }
      emitted += 1
      for snapshot in results where keepGoing {
        keepGoing = emit(snapshot)
      }
      return true
    }

    func submit(_ full: RawBatch) {
      let sequence = submitted
      submitted += 1
      if jobs <= 1 {
        finished.put(sequence, check(full, name: name, ruleIndexes: indexes))
      } else {
        workers.async {
          slots.wait()
          let results = check(full, name: name, ruleIndexes: indexes)
          slots.signal()
          finished.put(sequence, results)
        }
      }
      while emitNext(wait: false) {}
      while keepGoing, submitted - emitted >= maximumInFlight { _ = emitNext(wait: true) }
    }

    do {
      try reader.forEachRawLine { number, line in
        batch.append(number: number, line: line)
        guard batch.count >= batchLines || batch.bytes.count >= 1 << 22 else { return }
        submit(batch)
        batch = RawBatch()
        if !keepGoing { throw Stop() }
      }
      if !batch.isEmpty { submit(batch) }
    } catch {}
    // Let the work already handed out finish before returning (it would be discarded).
    while keepGoing, emitted < submitted { _ = emitNext(wait: true) }
    workers.sync(flags: .barrier) {}
    return keepGoing
  }

  private func check(_ batch: RawBatch, name: String, ruleIndexes indexes: [Int])
    -> [CheckedSnapshot]
  {
    var results: [CheckedSnapshot] = []
    results.reserveCapacity(batch.count)
    batch.bytes.withUnsafeBytes { raw in
      for entry in batch.entries {
        let outcomes: Result<[RuleOutcome], JSONError>
        switch entry.content {
        case .failure(let error):
          outcomes = .failure(error)
        case .success(let range):
          let slice = UnsafeRawBufferPointer(rebasing: raw[range])
          do throws(JSONError) {
            let value = try JSONReader.read(slice, limits: limits)
            outcomes = .success(
              ruleSet.check(value, ruleIndexes: indexes, context: context, explain: explain))
          } catch {
            var located = error
            located.jsonlLine = entry.number
            outcomes = .failure(located)
          }
        }
        results.append(
          CheckedSnapshot(file: name, line: entry.number, ruleIndexes: indexes, outcomes: outcomes))
      }
    }
    return results
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
}

/// Results of batches finished by workers, by sequence number, until the caller takes them.
private final class FinishedBatches: @unchecked Sendable {
  private var results: [Int: [CheckedSnapshot]] = [:]
  private let condition = NSCondition()

  func put(_ sequence: Int, _ batch: [CheckedSnapshot]) {
    condition.lock()
    results[sequence] = batch
    condition.broadcast()
    condition.unlock()
  }

  /// The results of batch `sequence`, removed; waits for them when `wait`, else nil if not done.
  func take(_ sequence: Int, wait: Bool) -> [CheckedSnapshot]? {
    condition.lock()
    defer { condition.unlock() }
    while wait && results[sequence] == nil { condition.wait() }
    return results.removeValue(forKey: sequence)
  }
}
