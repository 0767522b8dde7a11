/// Resource limits applied to every match of one ``CompiledRegex``.
///
/// A match that reaches a limit ends with a ``RegexMatchError``: it is never reported as a
/// non-match. The defaults let ordinary format checks (IDs, versions, amounts) on subjects of many
/// kilobytes succeed while catastrophic backtracking patterns end within milliseconds, both with
/// the JIT and with the interpreter. See the regular expressions section of `docs/LANGUAGE.md`.
public struct RegexLimits: Sendable, Hashable {
  /// The default match limit (`pcre2_set_match_limit`).
  public static let defaultMatchLimit: UInt32 = 100_000
  /// The default depth limit (`pcre2_set_depth_limit`).
  public static let defaultDepthLimit: UInt32 = 100_000
  /// The default heap limit in KiB (`pcre2_set_heap_limit`, and the JIT stack maximum).
  public static let defaultHeapLimitKiB: UInt32 = 8_192

  /// Maximum number of internal backtracking steps (interpreter: calls of PCRE2's `match()`;
  /// JIT: a comparable but not identical count) from one start position. An unanchored search
  /// also has a total budget over all start positions of `matchLimit + 32 × (UTF-8 bytes + 1)`
  /// pattern items; exhausting either is ``RegexMatchError/matchLimitExceeded``.
  public var matchLimit: UInt32
  /// Maximum backtracking depth of the interpreter. PCRE2's JIT ignores it; the JIT stack size
  /// (bounded by ``heapLimitKiB``) plays that role there.
  public var depthLimit: UInt32
  /// Maximum heap memory in KiB for the interpreter's backtracking frames of one match; also the
  /// maximum size of the per-thread JIT stack (clamped to 32 KiB ... 1 GiB).
  public var heapLimitKiB: UInt32
  /// Whether the pattern may be JIT-compiled. `false` forces PCRE2's interpreter; the default
  /// `true` uses the JIT when the platform supports it and falls back otherwise.
  public var allowsJIT: Bool
  /// Whether a pattern in the automaton subset (anchored, ASCII, quantifiers on single
  /// characters; see `docs/LANGUAGE.md`) may be matched by a deterministic automaton instead of
  /// PCRE2. Same answers, linear time, so no limit applies to it. `false` sends every match to
  /// PCRE2 (the tests compare the two).
  public var allowsAutomaton: Bool

  /// Limits with the documented defaults for any argument left out.
  public init(
    matchLimit: UInt32 = RegexLimits.defaultMatchLimit,
    depthLimit: UInt32 = RegexLimits.defaultDepthLimit,
    heapLimitKiB: UInt32 = RegexLimits.defaultHeapLimitKiB,
    allowsJIT: Bool = true,
    allowsAutomaton: Bool = true
  ) {
    self.matchLimit = matchLimit
    self.depthLimit = depthLimit
    self.heapLimitKiB = heapLimitKiB
    self.allowsJIT = allowsJIT
    self.allowsAutomaton = allowsAutomaton
  }

  /// The default limits.
  public static let `default` = RegexLimits()
}
