// libFuzzer entry point for rule files (RuleFileLoader, then RuleSet). The property lives in
// `FuzzChecks.ruleFile` (Sources/ConstraintEngineTestSupport/FuzzChecks.swift), which the
// regression tests replay without sanitizers; a violated property is a crash here.
import ConstraintEngine
import ConstraintEngineTestSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  if let violation = FuzzChecks.ruleFile(bytes) {
    fatalError("FuzzChecks.ruleFile: \(violation)")
  }
  return 0
}
