import ConstraintEngine
import Foundation
import Synchronization

/// One rule file's bytes, as read from a rule source.
public struct RuleSourceFile: Sendable, Hashable {
  /// The name the file's rules and errors carry.
  public var path: String
  public var bytes: [UInt8]

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
  }
}

/// Where the guard's rules come from. The guard re-reads the source on every retry and reload,
/// hashes what it read (the rule-set version) and compiles it when it changed.
public protocol RuleSource: Sendable {
  /// A short description for logs (a directory path).
  var name: String { get }
  /// Reads every rule file, sorted by path, or says why the source cannot be read.
  func read() -> Result<[RuleSourceFile], Diagnostic>
}

/// The default rule source: the rule files under a directory, or one rule file, found as every
/// command finds them (``FileDiscovery``: links followed, each real file once, hidden entries
/// such as a ConfigMap's `..data` skipped, sorted by path). Any path that cannot be walked or
/// read makes the whole read fail: the guard never compiles part of a rule tree.
public struct DirectoryRuleSource: RuleSource {
  public let path: String
  /// The largest rule file accepted, in bytes.
  public var maximumFileBytes: Int = 16 << 20

  public init(path: String) {
    self.path = path
  }

  public var name: String { path }

  public func read() -> Result<[RuleSourceFile], Diagnostic> {
    let found = RuleFileLoader.discover([path])
    if let first = found.errors.first {
      guard found.errors.count > 1 else { return .failure(first) }
      var combined = first
      combined.message += " (and \(found.errors.count - 1) more problems in \(path))"
      return .failure(combined)
    }
    var files: [RuleSourceFile] = []
    for file in found.files {
      guard let handle = FileHandle(forReadingAtPath: file) else {
        return .failure(
          Diagnostic(
            .ruleFileUnreadable,
            "cannot open the file for reading: \(String(cString: strerror(errno)))", file: file))
      }
      defer { try? handle.close() }
      let data: Data
      do {
        data = try handle.read(upToCount: maximumFileBytes + 1) ?? Data()
      } catch {
        return .failure(
          Diagnostic(.ruleFileUnreadable, "cannot read the file: \(error)", file: file))
      }
      guard data.count <= maximumFileBytes else {
        return .failure(
          Diagnostic(
            .ruleFileUnreadable, "the file is larger than \(maximumFileBytes) bytes", file: file))
      }
      files.append(RuleSourceFile(path: file, bytes: [UInt8](data)))
    }
    return .success(files)
  }
}

/// A rule source held in memory, for tests and services that fetch rules themselves.
public final class InMemoryRuleSource: RuleSource {
  private let files: Mutex<Result<[RuleSourceFile], Diagnostic>>

  public init(files: [RuleSourceFile]) {
    self.files = Mutex(.success(files))
  }

  public var name: String { "<memory>" }

  /// Replaces the source's content.
  public func replace(with files: [RuleSourceFile]) {
    self.files.withLock { $0 = .success(files) }
  }

  /// Makes the next reads fail with `error` (an unreadable source).
  public func fail(with error: Diagnostic) {
    files.withLock { $0 = .failure(error) }
  }

  public func read() -> Result<[RuleSourceFile], Diagnostic> {
    files.withLock { $0 }
  }
}
