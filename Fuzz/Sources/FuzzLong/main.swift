// libFuzzer entry point for long inputs: each input is a short recipe that expands to a long
// expression, JSON document, rule file or JSON lines (`FuzzChecks.long`), so the paths only
// long inputs reach are fuzzed with inputs libFuzzer can mutate.
import ConstraintEngine
import ConstraintEngineTestSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  if let violation = FuzzChecks.long(bytes) {
    fatalError("FuzzChecks.long: \(violation)")
  }
  return 0
}
