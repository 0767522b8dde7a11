/// A rule ready to check: compiled, or skipped with the reason.
public struct CompiledRule: Sendable {
  public enum State: Sendable {
    case active(Program)
    /// Never evaluated (`runtime-deferred`, `native`), always reported as skipped.
    case skipped(String)
    /// The expression does not compile (kept only when compiling with `keepGoing`): every
    /// check of the rule is an error outcome carrying this diagnostic, never a pass.
    case broken(Diagnostic)
  }

  public let definition: RuleDefinition
  public let state: State
  /// The expression in force (the condition's override when its flag is on).
  public let activeExpression: String

  public var id: String { definition.id }
  public var program: Program? {
    if case .active(let program) = state { return program }
    return nil
  }
}

/// The result of one rule on one snapshot.
public enum RuleOutcome: Sendable {
  case evaluated(Outcome)
  case skipped(String)

  /// `pass`, `fail`, `error`, `deferred` or `skipped`.
  public var word: String {
    switch self {
    case .evaluated(let outcome): return outcome.kind.rawValue
    case .skipped: return "skipped"
    }
  }
}

/// Compiled rule files: every rule of every file, in file order, ready to check snapshots.
public struct RuleSet: Sendable {
  public let files: [RuleFile]
  public let rules: [CompiledRule]
  /// The flags the rules were compiled under.
  public let flags: Set<String>
  private let indexesBySchema: [String: [Int]]
  /// Each rule's program (nil: skipped), unowned: `rules` keeps them alive. ``check`` reaches
  /// a program without touching its reference count, which threads checking with one rule set
  /// would otherwise contend for.
  private let programs: [Unmanaged<Program>?]

  /// Compiles every rule of `files` under `flags`. Fails with every problem found: duplicate
  /// rule ids within a schema and expressions that do not compile (each with its file, rule
  /// id and a diagnostic inside the expression).
  ///
  /// With `keepGoing`, a rule whose expression does not compile does not fail the set: it is
  /// kept as ``CompiledRule/State/broken(_:)`` (its first diagnostic, prefixed "does not
  /// compile:"), so the other rules can still be checked and the broken one is reported as
  /// an error on every snapshot. Duplicate ids still fail.
  public static func compile(
    _ files: [RuleFile], flags: Set<String> = [], options: CompileOptions = CompileOptions(),
    keepGoing: Bool = false
  ) -> Result<RuleSet, Diagnostics> {
    var errors: [Diagnostic] = []
    var rules: [CompiledRule] = []
    var firstSeen: [String: RuleDefinition] = [:]
    // A pattern many rules use is compiled once for all of them.
    let regexPool = RegexPool(limits: options.regexLimits)
    rules.reserveCapacity(files.reduce(0) { $0 + $1.rules.count })
    for file in files {
      for definition in file.rules {
        let key = definition.schemaID + "\u{0}" + definition.id
        if let first = firstSeen[key] {
          errors.append(
            Diagnostic(
              .duplicateRuleID,
              "duplicate rule id `\(definition.id)` in schema \(definition.schemaID) "
                + "(first defined at \(first.file):\(first.location.line):"
                + "\(first.location.column))",
              file: definition.file, at: SourceRange(at: definition.location),
              rule: definition.id))
          continue
        }
        firstSeen[key] = definition
        let active = definition.activeExpression(flags: flags)
        if let reason = definition.skipReason {
          rules.append(
            CompiledRule(
              definition: definition, state: .skipped(reason), activeExpression: active.text))
          continue
        }
        var ruleOptions = options
        ruleOptions.types = options.types.merging(definition.types) { _, declared in declared }
        do {
          let program = try Compiler.compile(
            active.text, options: ruleOptions, regexPool: regexPool)
          rules.append(
            CompiledRule(
              definition: definition, state: .active(program), activeExpression: active.text))
        } catch {
          if keepGoing, var diagnostic = error.diagnostics.first {
            diagnostic.message = "does not compile: " + diagnostic.message
            rules.append(
              CompiledRule(
                definition: definition, state: .broken(diagnostic), activeExpression: active.text))
            continue
          }
          for diagnostic in error.diagnostics {
            errors.append(
              Diagnostic(
                diagnostic, inExpression: active.text,
                at: definition.activeExpressionOrigin(flags: flags), file: definition.file,
                rule: definition.id))
          }
        }
      }
    }
    if !errors.isEmpty { return .failure(Diagnostics(errors)) }
    return .success(RuleSet(files: files, rules: rules, flags: flags))
  }

  /// A rule set of one expression already compiled (`constraint eval` checks snapshots
  /// with it through the batch pipeline): one rule with id `expression`, severity `error`, in
  /// a file and schema both named `<expression>`. Its outcomes are `program`'s own.
  public static func single(_ program: Program, expression: String) -> RuleSet {
    let name = "<expression>"
    let definition = RuleDefinition(
      id: "expression", file: name, schemaID: name, expression: expression,
      expressionLocation: .start, severity: .error, message: nil, fields: [], types: [:],
      category: nil, condition: nil, skipReason: nil, location: .start)
    let file = RuleFile(
      path: name, schemaID: name, contractVersion: nil,
      expressionVersion: EngineVersion.grammar, rules: [definition])
    return RuleSet(
      files: [file],
      rules: [
        CompiledRule(definition: definition, state: .active(program), activeExpression: expression)
      ],
      flags: [])
  }

  private init(files: [RuleFile], rules: [CompiledRule], flags: Set<String>) {
    self.files = files
    self.rules = rules
    self.flags = flags
    var bySchema: [String: [Int]] = [:]
    for (index, rule) in rules.enumerated() {
      bySchema[rule.definition.schemaID, default: []].append(index)
    }
    indexesBySchema = bySchema
    programs = rules.map { $0.program.map(Unmanaged.passUnretained) }
  }

  /// The rules whose expression does not compile (only with `keepGoing`).
  public var brokenRules: [CompiledRule] {
    rules.filter {
      if case .broken = $0.state { return true }
      return false
    }
  }

  /// The schema ids of the loaded files, sorted.
  public var schemas: [String] { indexesBySchema.keys.sorted() }

  /// The indexes (into ``rules``) of the rules that apply to a snapshot bound to `schema`, or
  /// of every rule when `schema` is nil.
  public func ruleIndexes(forSchema schema: String?) -> [Int] {
    guard let schema else { return Array(rules.indices) }
    return indexesBySchema[schema] ?? []
  }

  /// Checks one snapshot against the rules at `indexes`, reading the snapshot once.
  public func check(
    _ snapshot: Value, ruleIndexes indexes: [Int], context: EvaluationContext = .empty,
    explain: Bool = false
  ) -> [RuleOutcome] {
    indexes.map { outcome(ofRule: $0, snapshot, context: context, explain: explain) }
  }

  /// Checks one snapshot against the rules at `indexes` as
  /// ``check(_:ruleIndexes:context:explain:)`` does, replacing the contents of `outcomes`
  /// with their outcomes. Its storage is reused when nothing else holds it, so a caller that
  /// checks many snapshots with one array allocates none for each.
  public func check(
    _ snapshot: Value, ruleIndexes indexes: [Int], context: EvaluationContext = .empty,
    explain: Bool = false, into outcomes: inout [RuleOutcome]
  ) {
    // The same count (every line of a batch check): overwritten in place, cheaper than
    // emptying the array (a generic `replaceSubrange`) and appending.
    if outcomes.count == indexes.count {
      outcomes.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        for position in buffer.indices {
          let new = outcome(
            ofRule: indexes[position], snapshot, context: context, explain: explain)
          let slot = base + position
          // A pass (the usual previous outcome) owns nothing: written over without the
          // outlined destroy an assignment calls, which switches over every case.
          if case .evaluated(.pass) = slot.pointee {
            slot.initialize(to: new)
          } else {
            slot.pointee = new
          }
        }
      }
      return
    }
    outcomes.removeAll(keepingCapacity: true)
    outcomes.reserveCapacity(indexes.count)
    for index in indexes {
      outcomes.append(outcome(ofRule: index, snapshot, context: context, explain: explain))
    }
  }

  /// The outcome of the rule at `index` for `snapshot`.
  @inline(__always)
  private func outcome(
    ofRule index: Int, _ snapshot: Value, context: EvaluationContext, explain: Bool
  ) -> RuleOutcome {
    guard let program = programs[index] else {
      switch rules[index].state {
      case .skipped(let reason): return .skipped(reason)
      case .broken(let diagnostic): return .evaluated(.error(diagnostic))
      case .active: preconditionFailure("an active rule has its program")
      }
    }
    return .evaluated(
      program._withUnsafeGuaranteedRef {
        $0.evaluate(snapshot, context: context, explain: explain)
      })
  }
}
