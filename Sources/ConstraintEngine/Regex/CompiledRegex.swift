import CPCRE2

/// A PCRE2 pattern compiled once (UTF mode, JIT when available) and matched many times.
///
/// Dialect: PCRE2 in UTF mode without UCP (`\d`, `\w`, `\s`, `\b` and POSIX classes are ASCII;
/// `\p{…}` and case-insensitive matching are Unicode-aware; a pattern may opt in with `(*UCP)`),
/// `$` matches only at the very end of the subject (`PCRE2_DOLLAR_ENDONLY`), `\C` and callouts
/// are rejected. ``matches(_:)`` searches anywhere in the subject unless the pattern anchors.
/// An unanchored search has one step budget for all its start positions (see ``stepBudget``).
/// An anchored pattern in ``RegexAutomaton``'s subset (format checks such as
/// `^(0|-?[1-9][0-9]*)$`) is matched by that automaton on ASCII subjects instead.
///
/// `@unchecked Sendable` is safe because every stored property is immutable after `init`:
/// PCRE2 documents a compiled pattern (including its JIT code, which is generated in `init`
/// before the object can be shared) and a match context as read-only during matching, so any
/// number of threads may match concurrently. The callbacks registered in the match context (JIT
/// stack, step counting) keep no state of their own. The mutable per-match state (match data,
/// JIT stack, step counter) lives in a per-thread cache, never in this object.
public final class CompiledRegex: @unchecked Sendable {
  /// The pattern as written.
  public let pattern: String
  /// The limits every match runs under.
  public let limits: RegexLimits
  /// Whether matches run on JIT-compiled code (false when the JIT is unavailable, disallowed by
  /// ``RegexLimits/allowsJIT``, refused for this pattern, disabled with `(*NO_JIT)`, or when the
  /// pattern may call a group: see ``mayCallGroups(_:)``).
  public let isJITCompiled: Bool
  /// Whether ASCII subjects are matched by a deterministic automaton rather than PCRE2 (the
  /// pattern is in its subset and ``RegexLimits/allowsAutomaton`` is set).
  public var usesAutomaton: Bool { automaton != nil }

  /// Whether every item the matcher runs is charged to a per-search step budget (unanchored
  /// patterns, whose PCRE2 match limit restarts at every start position).
  let countsSteps: Bool

  private let automaton: RegexAutomaton?

  /// The automaton, for a ``SlotPlan`` matching subjects where a line holds them: its answer,
  /// where it gives one, is what ``matches(utf8:work:)`` returns (after charging the
  /// subject's bytes). The automaton's tables live as long as this regex.
  var slotAutomaton: RegexAutomaton? { automaton }
  private let code: OpaquePointer
  private let matchContext: OpaquePointer
  /// For an anchored pattern: `matchContext` with the match limit lowered to
  /// ``quickMatchLimit``, tried first (nil for an unanchored pattern, whose search is counted).
  private let quickMatchContext: OpaquePointer?

  /// Options for `pcre2_compile`; see the type's documentation for the reasons.
  static let compileOptions = UInt32(PCRE2_UTF) | UInt32(PCRE2_DOLLAR_ENDONLY)
    | UInt32(PCRE2_NEVER_BACKSLASH_C) | UInt32(PCRE2_NO_UTF_CHECK)
  /// The deepest parenthesis nesting accepted (bounds PCRE2's compile-time recursion).
  static let parenthesesNestLimit: UInt32 = 250

  /// Compiles `pattern`; matches will run under `limits`.
  ///
  /// - Throws: a ``Diagnostic`` of code ``DiagnosticCode/invalidRegex`` with PCRE2's message
  ///   (or the engine's own, for patterns over ``RegexEngine/maximumPatternLength`` bytes and
  ///   callouts) whose range is the offending character of the pattern (at its end when the
  ///   pattern ends too early).
  public convenience init(pattern: String, limits: RegexLimits = .default) throws(Diagnostic) {
    do throws(RegexCompileError) {
      try self.init(compiling: pattern, limits: limits)
    } catch {
      throw error.diagnostic(in: pattern)
    }
  }

  /// ``init(pattern:limits:)`` with the compiler's own error, whose scalar offset the checker
  /// maps into the rule's string literal.
  init(compiling pattern: String, limits: RegexLimits) throws(RegexCompileError) {
    let length = pattern.utf8.count
    if length > RegexEngine.maximumPatternLength {
      throw RegexCompileError(
        message: "pattern is \(length) bytes long; the maximum is "
          + "\(RegexEngine.maximumPatternLength)",
        pattern: pattern, utf8Offset: RegexEngine.maximumPatternLength)
    }
    guard let compileContext = pcre2_compile_context_create_8(PCRE2Memory.generalContext) else {
      throw RegexCompileError(message: "out of memory", pattern: pattern, utf8Offset: 0)
    }
    defer { pcre2_compile_context_free_8(compileContext) }
    pcre2_set_parens_nest_limit_8(compileContext, Self.parenthesesNestLimit)

    var errorCode: Int32 = 0
    var errorOffset = 0
    let compiled = withUTF8Bytes(of: pattern) { bytes in
      pcre2_compile_8(
        bytes.baseAddress, bytes.count, Self.compileOptions, &errorCode, &errorOffset,
        compileContext)
    }
    guard var code = compiled else {
      throw RegexCompileError(
        message: RegexEngine.errorMessage(errorCode), pattern: pattern, utf8Offset: errorOffset)
    }
    if let calloutOffset = Self.firstCalloutOffset(in: code, pattern: pattern) {
      pcre2_code_free_8(code)
      throw RegexCompileError(
        message: "callouts (?C…) are not supported", pattern: pattern, utf8Offset: calloutOffset)
    }
    var allOptions: UInt32 = 0
    _ = pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_ALLOPTIONS), &allOptions)
    let anchored = allOptions & UInt32(PCRE2_ANCHORED) != 0
    // An unanchored pattern is recompiled with a callout before every item, so one budget covers
    // all start positions; the first compile (without callouts) served to check for user ones.
    if !anchored {
      let instrumented = withUTF8Bytes(of: pattern) { bytes in
        pcre2_compile_8(
          bytes.baseAddress, bytes.count, Self.compileOptions | UInt32(PCRE2_AUTO_CALLOUT),
          &errorCode, &errorOffset, compileContext)
      }
      guard let instrumented else {
        pcre2_code_free_8(code)
        throw RegexCompileError(
          message: RegexEngine.errorMessage(errorCode), pattern: pattern, utf8Offset: errorOffset)
      }
      pcre2_code_free_8(code)
      code = instrumented
    }
    guard let matchContext = pcre2_match_context_create_8(PCRE2Memory.generalContext) else {
      pcre2_code_free_8(code)
      throw RegexCompileError(message: "out of memory", pattern: pattern, utf8Offset: 0)
    }
    pcre2_set_match_limit_8(matchContext, limits.matchLimit)
    pcre2_set_depth_limit_8(matchContext, limits.depthLimit)
    pcre2_set_heap_limit_8(matchContext, limits.heapLimitKiB)
    if !anchored { pcre2_set_callout_8(matchContext, regexStepCallout, nil) }

    var jitCompiled = false
    if limits.allowsJIT && RegexEngine.isJITAvailable && !Self.mayCallGroups(pattern)
      && pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE)) == 0
    {
      var jitSize = 0
      jitCompiled = pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_JITSIZE), &jitSize) == 0
        && jitSize > 0
    }
    if jitCompiled {
      let stackKiB = min(max(limits.heapLimitKiB, 32), 1024 * 1024)
      pcre2_jit_stack_assign_8(
        matchContext, regexJITStackCallback, UnsafeMutableRawPointer(bitPattern: Int(stackKiB)))
    }
    var quickMatchContext: OpaquePointer?
    if anchored, limits.matchLimit > Self.quickMatchLimit {
      guard let quick = pcre2_match_context_copy_8(matchContext) else {
        pcre2_match_context_free_8(matchContext)
        pcre2_code_free_8(code)
        throw RegexCompileError(message: "out of memory", pattern: pattern, utf8Offset: 0)
      }
      pcre2_set_match_limit_8(quick, Self.quickMatchLimit)
      quickMatchContext = quick
    }
    self.quickMatchContext = quickMatchContext
    self.pattern = pattern
    self.limits = limits
    self.code = code
    self.matchContext = matchContext
    self.isJITCompiled = jitCompiled
    self.countsSteps = !anchored
    self.automaton = anchored && limits.allowsAutomaton ? RegexAutomaton(pattern: pattern) : nil
  }

  deinit {
    automaton?.deallocate()
    if let quickMatchContext { pcre2_match_context_free_8(quickMatchContext) }
    pcre2_match_context_free_8(matchContext)
    pcre2_code_free_8(code)
  }

  /// Whether the pattern matches anywhere in `subject` (only where it anchors, if it does).
  ///
  /// - Throws: ``RegexMatchError`` when a limit is reached or PCRE2 fails; never `false` then.
  public func matches(_ subject: String) throws(RegexMatchError) -> Bool {
    var work = 0
    return try matches(subject, work: &work)
  }

  /// ``matches(_:)``, adding to `work` the evaluation steps the match took (see `Metering`):
  /// a step per 64 subject bytes; for an unanchored pattern, a step per
  /// ``searchItemsPerStep`` pattern items its search ran; for an anchored one,
  /// ``retrySteps`` when it needed more than ``quickMatchLimit`` backtracking steps (it is
  /// then matched again under the full limits; never when the automaton answers). A rule
  /// repeating an expensive match in a quantifier so meets the evaluation step limit.
  func matches(_ subject: String, work: inout Int) throws(RegexMatchError) -> Bool {
    try withUTF8Bytes(of: subject) { bytes in
      Result { () throws(RegexMatchError) in try matches(utf8: bytes, work: &work) }
    }.get()
  }

  /// ``matches(_:work:)`` of the string whose (valid) UTF-8 bytes are `subject`: the fast
  /// path passes a short string's bytes read where the snapshot holds it, without copying
  /// the string.
  func matches(utf8 subject: UnsafeBufferPointer<UInt8>, work: inout Int)
    throws(RegexMatchError) -> Bool
  {
    work += Metering.match(subjectBytes: subject.count)
    if let automaton, let matched = automaton.matches(subject) { return matched }
    return try Self.result(pcre2Status(matching: subject, work: &work))
  }

  /// The status of matching `subject` with PCRE2 (its bytes already charged): under
  /// ``quickMatchLimit`` first for an anchored pattern, then (past it) under the full limits,
  /// as ``matches(_:work:)`` describes.
  @inline(__always)
  private func pcre2Status(matching subject: UnsafeBufferPointer<UInt8>, work: inout Int)
    -> Int32
  {
    if let quickMatchContext {
      let status = match(subject, context: quickMatchContext, work: &work)
      switch status {
      case 0..., PCRE2_ERROR_NOMATCH: return status
      default: break  // a limit, or no memory: try again under the full limits
      }
      work += retrySteps
    }
    return match(subject, context: matchContext, work: &work)
  }

  /// The match limit of an anchored pattern's first attempt: far above what format checks
  /// take, far below ``RegexLimits/defaultMatchLimit``.
  static let quickMatchLimit: UInt32 = 1_000
  /// Pattern items of an unanchored search charged as one evaluation step.
  static let searchItemsPerStep = 16
  /// The steps an anchored match costs when it needs more than ``quickMatchLimit``
  /// backtracking steps: one per 64 of its match limit (1,562 by default; one such match takes
  /// up to ~0.2 ms).
  var retrySteps: Int { Int(limits.matchLimit) / 64 }

  /// The status of one match of `subject` under `context`; an unanchored search adds its
  /// counted items to `work`.
  private func match(
    _ bytes: UnsafeBufferPointer<UInt8>, context: OpaquePointer, work: inout Int
  ) -> Int32 {
    guard let scratch = RegexThreadCache.currentScratch,
      let matchData = isJITCompiled
        ? scratch.pointee.jitMatchData
        : RegexThreadCache.interpreterMatchData(
          heapLimitKiB: limits.heapLimitKiB, scratch: scratch)
    else {
      return PCRE2_ERROR_NOMEMORY
    }
    var budget = 0
    if countsSteps {
      budget = Self.stepBudget(limits: limits, subjectLength: bytes.count)
      scratch.pointee.stepsRemaining = budget
    }
    let status =
      isJITCompiled
      ? pcre2_jit_match_8(code, bytes.baseAddress, bytes.count, 0, 0, matchData, context)
      : pcre2_match_8(
        code, bytes.baseAddress, bytes.count, 0, UInt32(PCRE2_NO_UTF_CHECK), matchData,
        context)
    if countsSteps {
      let used = budget - max(scratch.pointee.stepsRemaining, 0)
      work += used / Self.searchItemsPerStep
    }
    return status
  }

  /// A match status as the match's result or its error.
  private static func result(_ status: Int32) throws(RegexMatchError) -> Bool {
    switch status {
    case 0...: return true  // 0: matched, but more captures than the one-pair match data holds
    case PCRE2_ERROR_NOMATCH: return false
    case PCRE2_ERROR_MATCHLIMIT, regexStepBudgetExhausted: throw .matchLimitExceeded
    case PCRE2_ERROR_DEPTHLIMIT: throw .depthLimitExceeded
    case PCRE2_ERROR_HEAPLIMIT: throw .heapLimitExceeded
    case PCRE2_ERROR_JIT_STACKLIMIT: throw .jitStackLimitExceeded
    default: throw .other(code: status, message: RegexEngine.errorMessage(status))
    }
  }

  /// Steps one unanchored search may take in total: the match limit plus a fixed allowance per
  /// subject byte, so the whole search is linear in the subject's length.
  static func stepBudget(limits: RegexLimits, subjectLength: Int) -> Int {
    Int(limits.matchLimit) + stepsPerSubjectByte * (subjectLength + 1)
  }

  static let stepsPerSubjectByte = 32

  /// Whether `pattern` may call a group (recursion or a subroutine call: `(?R)`, `(?1)`,
  /// `(?+1)`, `(?-1)`, `(?&name)`, `(?P>name)`, `\g<…>`, `\g'…'`). Such patterns run on the
  /// interpreter: PCRE2 10.42's JIT does not notice a recursion that loops at one subject
  /// position, and spent minutes on `^(||(?1)|)$` against `bb` before its stack limit, where
  /// the interpreter stops at once (error -52). Read from the text, so escaped or bracketed
  /// look-alikes also count (the interpreter then runs a pattern the JIT could have).
  static func mayCallGroups(_ pattern: String) -> Bool {
    let bytes = Array(pattern.utf8)
    func byte(_ index: Int) -> UInt8 { index < bytes.count ? bytes[index] : 0 }
    func isDigit(_ value: UInt8) -> Bool {
      value >= UInt8(ascii: "0") && value <= UInt8(ascii: "9")
    }
    for index in bytes.indices {
      switch (bytes[index], byte(index + 1)) {
      case (UInt8(ascii: "("), UInt8(ascii: "?")):
        let next = byte(index + 2)
        if next == UInt8(ascii: "R") || next == UInt8(ascii: "&") || isDigit(next) { return true }
        if next == UInt8(ascii: "+") || next == UInt8(ascii: "-"), isDigit(byte(index + 3)) {
          return true
        }
        if next == UInt8(ascii: "P"), byte(index + 3) == UInt8(ascii: ">") { return true }
      case (UInt8(ascii: "\\"), UInt8(ascii: "g")):
        let next = byte(index + 2)
        if next == UInt8(ascii: "<") || next == UInt8(ascii: "'") { return true }
      default:
        break
      }
    }
    return false
  }

  /// The UTF-8 offset of the first callout in the compiled pattern, if any.
  private static func firstCalloutOffset(in code: OpaquePointer, pattern: String) -> Int? {
    var firstEnd = -1
    _ = pcre2_callout_enumerate_8(
      code,
      { block, data in
        guard let block, let data else { return 1 }
        data.assumingMemoryBound(to: Int.self).pointee = block.pointee.pattern_position
        return 1  // stop at the first callout
      }, &firstEnd)
    guard firstEnd >= 0 else { return nil }
    // pattern_position is just past the callout; its text starts at the last "(?C" before it.
    let bytes = Array(pattern.utf8.prefix(firstEnd))
    var index = bytes.count - 3
    while index >= 0 {
      if bytes[index] == UInt8(ascii: "("), bytes[index + 1] == UInt8(ascii: "?"),
        bytes[index + 2] == UInt8(ascii: "C")
      {
        return index
      }
      index -= 1
    }
    return firstEnd
  }
}

/// Runs `body` on the contiguous UTF-8 bytes of `text` (copying only for bridged strings). The
/// buffer's base address is never nil, even when empty, because PCRE2 rejects a null pointer.
@inline(__always)
private func withUTF8Bytes<Result>(
  of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result
) -> Result {
  let nonNullBody = { (bytes: UnsafeBufferPointer<UInt8>) -> Result in
    if bytes.baseAddress != nil { return body(bytes) }
    var placeholder: UInt8 = 0
    return withUnsafePointer(to: &placeholder) { body(UnsafeBufferPointer(start: $0, count: 0)) }
  }
  if let result = text.utf8.withContiguousStorageIfAvailable(nonNullBody) { return result }
  return Array(text.utf8).withUnsafeBufferPointer(nonNullBody)
}
