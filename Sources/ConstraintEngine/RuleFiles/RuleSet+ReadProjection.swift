extension RuleSet {
  /// What checking snapshots against the rules at `indexes` (every rule when nil) reads of
  /// each snapshot: every field path an active rule reads (``Program/fieldPaths``: the paths
  /// its expression names, and `_previous` under each path a temporal builtin reads), each
  /// read whole, plus `extraPaths` (a caller's own reads, such as a key field). Skipped and
  /// broken rules read nothing.
  ///
  /// Every read of the language is a path known when the rule is compiled: quantifiers read
  /// their receiver (a path) whole, builtins read their arguments' values whole, and an index
  /// reads its array whole, so the projection covers everything evaluation can reach.
  public func readProjection(ruleIndexes indexes: [Int]? = nil, extraPaths: [FieldPath] = [])
    -> ReadProjection
  {
    var projection = ReadProjection(paths: extraPaths)
    for index in indexes ?? Array(rules.indices) {
      guard let program = rules[index].program else { continue }
      for path in program.fieldPaths { projection.read(path) }
    }
    return projection
  }
}

extension Program {
  /// What evaluating the rule reads of a snapshot: each of its ``fieldPaths`` whole (see
  /// ``RuleSet/readProjection(ruleIndexes:extraPaths:)``).
  public var readProjection: ReadProjection { ReadProjection(paths: fieldPaths) }
}
