import Testing

@_spi(Benchmarks) @testable import ConstraintEngine

/// `SlotLineDecoder`, what `e2e-check --slot-decode-only` times: a line a check decides from
/// its slots is read, any other is refused, as ``SlotReader`` reads it.
@Suite("Slot line decoder")
struct SlotLineDecoderTests {
  @Test func readsWhatACheckDecidesFromSlotsAndRefusesTheRest() throws {
    let ruleSet = SlotReadingTests.arrays
    let indexes = Array(ruleSet.rules.indices)
    let decoder = try #require(SlotLineDecoder(ruleSet: ruleSet, ruleIndexes: indexes))
    let slots = SlotReadingTests.reader(ruleSet)
    let lines = [
      #"{"items":[{"amount":"1"}],"limit":"2","state":"a"}"#,
      #"{"items":[{"amount":"1"}],"limit":"2","state":"a""#,
      #"{"items":[],"limit":"2","limit":"3"}"#,
      #"{"it\u0065ms":[],"limit":"2"}"#,
      #"[1]"#,
    ]
    for (index, line) in lines.enumerated() {
      let read = Array(line.utf8).withUnsafeBytes { decoder.read($0) }
      #expect(read == (index == 0), "\(line)")
      // Read for slots exactly where the check's reader reads them.
      let fallbacks = slots.fallbackLines
      _ = SlotReadingTests.decide(line, slots)
      let unread = slots.fallbackLines > fallbacks && slots.lastFallback == .unread
      #expect(read == !unread, "\(line)")
    }
    let notQualifying = try ReadProjectionTests.ruleSet(["x.every(i => i == 1)"])
    #expect(SlotLineDecoder(ruleSet: notQualifying, ruleIndexes: [0]) == nil)
  }
}
