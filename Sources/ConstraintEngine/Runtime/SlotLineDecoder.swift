/// Reads JSON lines as a check reads them for a ``SlotPlan`` before deciding them: every byte
/// validated as the full reader validates it, and where the rules' fields lie recorded,
/// without building a value. What the benchmark package times as decoding for a rule set
/// (`e2e-check --slot-decode-only`); a check decides the lines it reads so (``SlotReader``,
/// whose read this is).
@_spi(Benchmarks)
public final class SlotLineDecoder {
  private let slots: SlotReader

  /// The decoder for the rules at `ruleIndexes` of `ruleSet`, or nil when they do not all
  /// qualify for slot reading (``RuleSet/slotPlan(ruleIndexes:)``).
  public init?(ruleSet: RuleSet, ruleIndexes: [Int]) {
    guard let plan = ruleSet.slotPlan(ruleIndexes: ruleIndexes) else { return nil }
    slots = SlotReader(
      plan: plan,
      reader: JSONDocumentReader(projection: ruleSet.readProjection(ruleIndexes: ruleIndexes)),
      explain: false)
  }

  /// Whether `line` was read for its slots: false where a check reads it into a value instead
  /// (not an object, malformed, a looked-for key escaped or repeated).
  public func read(_ line: UnsafeRawBufferPointer) -> Bool {
    slots.read(line) != nil
  }
}
