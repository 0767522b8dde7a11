import ConstraintBatch
import ConstraintEngine
import Foundation

/// One `--data` argument resolved: the files it stands for and the schema it is bound to.
struct DataSource {
  /// nil: checked against every rule.
  var schema: String?
  /// The sources in order.
  var sources: [SnapshotSource]
  /// The path as given (after any `SCHEMA=`), for messages.
  var path: String
  /// Set when `path` is a directory without snapshot files.
  var emptyDirectory = false

  /// Resolves `SCHEMA=PATH` or `PATH`. The part before `=` binds only when it names a schema of
  /// the loaded rules; a path that exists as written is never split. A directory stands for
  /// its snapshot files as ``SnapshotSource/discover(_:)`` finds them; every path that
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
      return .success(DataSource(schema: schema, sources: [.standardInput], path: path))
    }
    let found = SnapshotSource.discover(path)
    guard found.problems.isEmpty else {
      return .failure(
        DataSourceError(
          messages: found.problems.map {
            $0.file == path ? "--data \(path): \($0.message)" : "--data \(path): \($0)"
          }))
    }
    return .success(
      DataSource(
        schema: schema, sources: found.sources, path: path, emptyDirectory: found.emptyDirectory))
  }
}

/// A `--data` argument that names nothing usable.
struct DataSourceError: Error {
  /// One line per problem.
  var messages: [String]

  init(message: String) { messages = [message] }
  init(messages: [String]) { self.messages = messages }
}
