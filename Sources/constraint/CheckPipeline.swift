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
  static func resolve(_ argument: String, schemas: Set<String>) -> Result<DataSource, DataSourceError> {
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
/// on the calling thread; the batches of a group are parsed and checked on `jobs` threads at
/// once, and results are handed back strictly in input order, so the output is the same as a
/// sequential run. Memory stays bounded by a group of batches.
struct CheckPipeline {
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
    let groupSize = max(1, jobs) * 2
    var group: [RawBatch] = []
    var batch = RawBatch()
    var keepGoing = true
    func flush() {
      defer { group.removeAll(keepingCapacity: true) }
      guard keepGoing, !group.isEmpty else { return }
      for results in process(group, name: name, ruleIndexes: indexes) {
        for snapshot in results where keepGoing {
          keepGoing = emit(snapshot)
        }
      }
    }
    do {
      try reader.forEachRawLine { number, line in
        batch.append(number: number, line: line)
        guard batch.count >= batchLines || batch.bytes.count >= 1 << 22 else { return }
        group.append(batch)
        batch = RawBatch()
        if group.count >= groupSize {
          flush()
          if !keepGoing { throw Stop() }
        }
      }
    } catch {
      return false
    }
    if !batch.isEmpty { group.append(batch) }
    flush()
    return keepGoing
  }

  /// Parses and checks each batch; batches run concurrently when there are several jobs.
  private func process(_ group: [RawBatch], name: String, ruleIndexes indexes: [Int])
    -> [[CheckedSnapshot]]
  {
    if jobs <= 1 || group.count == 1 {
      return group.map { check($0, name: name, ruleIndexes: indexes) }
    }
    let slots = ResultSlots(count: group.count)
    DispatchQueue.concurrentPerform(iterations: group.count) { index in
      slots.store(check(group[index], name: name, ruleIndexes: indexes), at: index)
    }
    return slots.take()
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

/// One result slot per batch, written by exactly one worker each.
private final class ResultSlots: @unchecked Sendable {
  private var slots: [[CheckedSnapshot]]
  private let lock = NSLock()

  init(count: Int) {
    slots = Array(repeating: [], count: count)
  }

  func store(_ results: [CheckedSnapshot], at index: Int) {
    lock.lock()
    slots[index] = results
    lock.unlock()
  }

  func take() -> [[CheckedSnapshot]] {
    lock.lock()
    defer { lock.unlock() }
    return slots
  }
}
