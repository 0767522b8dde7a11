// libFuzzer entry point for the projecting JSON reader: the first line of an input names the
// projected paths, the rest is a document. The property lives in `FuzzChecks.projection`
// (Sources/ConstraintEngineTestSupport/FuzzChecks+Projection.swift), which the regression tests
// replay without sanitizers; a violated property is a crash here.
import ConstraintEngine
import ConstraintEngineTestSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  if let violation = FuzzChecks.projection(bytes) {
    fatalError("FuzzChecks.projection: \(violation)")
  }
  return 0
}
