#if canImport(Glibc)
  import Glibc
#endif

/// The one walk that finds the files a command reads: rule files under the paths given to
/// `check`, `lint`, `fmt` and the guard's rule source, snapshot files under a `--data`
/// directory. Every command sees the same files, in the same order:
///
/// - A path named explicitly is taken whatever its name (a file, or a pipe such as
///   `<(generate)`); a directory is searched recursively. A path that is itself a symbolic link
///   is followed.
/// - Inside a directory, symbolic links are followed (to files and to directories); a
///   directory reached again (a link loop, or two links to one directory) is walked once, and a
///   file reached twice (through links, or by naming it twice) is read once, under the first
///   name in sorted order.
/// - Entries whose name starts with `.` are skipped: editor lock files (`.#x.constraints.json`),
///   swap files, VCS directories and the hidden `..data` and `..2024_…` entries of a Kubernetes
///   ConfigMap volume, whose files are reached once through the top-level links.
/// - Extensions match case-insensitively (`X.CONSTRAINTS.JSON`, `x.JSONL`).
/// - Nothing is skipped silently: an unreadable directory, an entry that cannot be looked at,
///   a link to a missing target or a special file carrying a matching name is a problem: a
///   ``Diagnostic`` with code ``DiagnosticCode/ruleFileUnreadable`` naming the path as its
///   file.
/// - Files come in sorted (byte-wise) path order per named path, named paths in their order.
public enum FileDiscovery {
  /// The files found, and every problem met on the way.
  public struct Found: Sendable {
    public var files: [String] = []
    /// Every path that could not be walked or taken: code
    /// ``DiagnosticCode/ruleFileUnreadable``, the path as the diagnostic's file.
    public var problems: [Diagnostic] = []
    /// Named directories that held no matching file and no problem.
    public var emptyDirectories: [String] = []
  }

  /// The suffix that marks a rule file inside a directory (matched case-insensitively).
  public static let ruleFileSuffix = ".constraints.json"

  /// Whether a file name inside a directory names a rule file.
  public static func isRuleFileName(_ name: String) -> Bool {
    hasSuffixIgnoringCase(name, ruleFileSuffix)
  }

  /// The suffix of a rule file's test file, `constraint test`'s input (matched
  /// case-insensitively): `billing.constraints.tests.jsonl` tests `billing.constraints.json`.
  public static let ruleTestFileSuffix = ".constraints.tests.jsonl"

  /// Whether a file name names a rule test file.
  public static func isRuleTestFileName(_ name: String) -> Bool {
    hasSuffixIgnoringCase(name, ruleTestFileSuffix)
  }

  /// The rule file a test file tests: the same directory and stem, `.constraints.json`
  /// (`x.constraints.tests.jsonl` → `x.constraints.json`, the stem's case kept); nil for a
  /// name that is not a test file's.
  public static func ruleFilePath(forTestFile path: String) -> String? {
    guard isRuleTestFileName(path) else { return nil }
    let tail = ".tests.jsonl".utf8.count
    return String(decoding: path.utf8.dropLast(tail), as: UTF8.self) + ".json"
  }

  /// The test file of a rule file: `x.constraints.json` → `x.constraints.tests.jsonl`; nil
  /// for a name that does not end in `.json`.
  public static func testFilePath(forRuleFile path: String) -> String? {
    guard hasSuffixIgnoringCase(path, ".json") else { return nil }
    return String(decoding: path.utf8.dropLast(".json".utf8.count), as: UTF8.self)
      + ".tests.jsonl"
  }

  /// Whether a file name inside a directory names a snapshot file: `.json`, `.jsonl` or
  /// `.ndjson`, and neither a rule file nor a rule test file.
  public static func isSnapshotFileName(_ name: String) -> Bool {
    guard !isRuleFileName(name), !isRuleTestFileName(name) else { return false }
    return hasSuffixIgnoringCase(name, ".json") || isJSONLinesName(name)
  }

  /// Whether a data path holds one snapshot per line: `-` (standard input), `.jsonl` or
  /// `.ndjson` (any case).
  public static func isJSONLinesName(_ path: String) -> Bool {
    path == "-" || hasSuffixIgnoringCase(path, ".jsonl") || hasSuffixIgnoringCase(path, ".ndjson")
  }

  /// The rule files `paths` stand for.
  public static func ruleFiles(_ paths: [String]) -> Found {
    var walk = Walk(matches: isRuleFileName)
    for path in paths { walk.take(path) }
    return walk.found
  }

  /// The files `paths` stand for: a path named explicitly whatever its name, the files whose
  /// name `matches` inside a directory (`constraint test` takes rule and test files at once).
  public static func files(_ paths: [String], matching matches: @escaping (String) -> Bool)
    -> Found
  {
    var walk = Walk(matches: matches)
    for path in paths { walk.take(path) }
    return walk.found
  }

  /// The snapshot files a `--data` path stands for (rule files under a directory skipped).
  public static func snapshotFiles(_ path: String) -> Found {
    var walk = Walk(matches: isSnapshotFileName)
    walk.take(path)
    return walk.found
  }

  /// A file's identity, whatever name reached it.
  private struct FileID: Hashable {
    var device: UInt64
    var inode: UInt64

    init(_ info: stat) {
      device = UInt64(info.st_dev)
      inode = UInt64(info.st_ino)
    }
  }

  private struct Walk {
    let matches: (String) -> Bool
    var found = Found()
    var seenFiles = Set<FileID>()
    var walkedDirectories = Set<FileID>()

    init(matches: @escaping (String) -> Bool) {
      self.matches = matches
    }

    /// One named path: a file taken as it is, or a directory searched.
    mutating func take(_ path: String) {
      var info = stat()
      guard stat(path, &info) == 0 else {
        let error = errno
        var link = stat()
        let message =
          lstat(path, &link) == 0 && (link.st_mode & S_IFMT) == S_IFLNK
          ? "a symbolic link to a missing or unreachable target (\(describe(error)))"
          : describe(error).lowercasedFirst
        found.problems.append(problem(path, message))
        return
      }
      guard (info.st_mode & S_IFMT) == S_IFDIR else {
        if seenFiles.insert(FileID(info)).inserted { found.files.append(path) }
        return
      }
      // Named again, or inside a directory named before: its files are already taken.
      guard !walkedDirectories.contains(FileID(info)) else { return }
      var files: [(path: String, id: FileID)] = []
      let problemsBefore = found.problems.count
      search(trimmed(path), info, into: &files)
      files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
      for file in files where seenFiles.insert(file.id).inserted { found.files.append(file.path) }
      if files.isEmpty && found.problems.count == problemsBefore {
        found.emptyDirectories.append(path)
      }
    }

    /// Collects the matching files under `directory` (whose `stat` is `info`).
    mutating func search(
      _ directory: String, _ info: stat, into files: inout [(path: String, id: FileID)]
    ) {
      guard walkedDirectories.insert(FileID(info)).inserted else { return }
      guard let handle = opendir(directory) else {
        found.problems.append(
          problem(directory, "cannot read directory: \(describe(errno))"))
        return
      }
      var names: [String] = []
      while true {
        errno = 0
        guard let entry = readdir(handle) else {
          if errno != 0 {
            found.problems.append(
              problem(directory, "cannot read directory: \(describe(errno))"))
          }
          break
        }
        let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
        guard bytes.first != UInt8(ascii: ".") else { continue }
        guard let name = String(validating: bytes, as: UTF8.self) else {
          // Such a name cannot be passed on intact; it is not skipped silently either.
          let shown = String(decoding: bytes, as: UTF8.self)
          found.problems.append(
            problem(directory + "/" + shown, "the name is not valid UTF-8"))
          continue
        }
        names.append(name)
      }
      closedir(handle)
      names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      for name in names {
        let path = directory == "/" ? "/" + name : directory + "/" + name
        var entry = stat()
        guard stat(path, &entry) == 0 else {
          let error = errno
          // A link to nothing hides no files; it matters only when it carries a matching name.
          if (error != ENOENT && error != ELOOP) || matches(name) {
            found.problems.append(
              problem(path, "cannot follow: \(describe(error))"))
          }
          continue
        }
        switch entry.st_mode & S_IFMT {
        case S_IFDIR:
          search(path, entry, into: &files)
        case S_IFREG:
          if matches(name) { files.append((path, FileID(entry))) }
        default:
          if matches(name) {
            found.problems.append(
              problem(path, "not a regular file (a pipe, socket or device)"))
          }
        }
      }
    }

    /// `path` without trailing slashes (`/` stays `/`).
    func trimmed(_ path: String) -> String {
      var result = Substring(path)
      while result.count > 1, result.hasSuffix("/") { result = result.dropLast() }
      return String(result)
    }
  }

  /// A path that could not be walked or taken, and what happened.
  private static func problem(_ path: String, _ message: String) -> Diagnostic {
    Diagnostic(.ruleFileUnreadable, message, file: path)
  }

  private static func describe(_ error: Int32) -> String {
    String(cString: strerror(error))
  }

  private static func hasSuffixIgnoringCase(_ text: String, _ suffix: String) -> Bool {
    let tail = text.utf8.suffix(suffix.utf8.count)
    guard tail.count == suffix.utf8.count else { return false }
    return zip(tail, suffix.utf8).allSatisfy { lowered($0) == lowered($1) }
  }

  private static func lowered(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
  }
}

extension String {
  /// The string with its first character lower-cased (`No such file` → `no such file`).
  fileprivate var lowercasedFirst: String {
    guard let first else { return self }
    return first.lowercased() + dropFirst()
  }
}
