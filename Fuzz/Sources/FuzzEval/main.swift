// libFuzzer entry point for the compiler and evaluators: input is `expression \n snapshot`.
// The property lives in `FuzzChecks.eval` (Sources/ConstraintEngineTestSupport/FuzzChecks.swift),
// which the regression tests replay without sanitizers; a violated property is a crash here.
//
// A custom mutator mixes libFuzzer's byte mutations with fresh valid cases from
// `ExpressionGenerator`, so the corpus keeps reaching evaluation rather than parse errors.
import ConstraintEngine
import ConstraintEngineTestSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  if let violation = FuzzChecks.eval(bytes) {
    fatalError("FuzzChecks.eval: \(violation)")
  }
  return 0
}

/// libFuzzer's own mutator, for the inputs the generator does not replace.
@_silgen_name("LLVMFuzzerMutate")
func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

@_cdecl("LLVMFuzzerCustomMutator")
public func fuzzCustomMutator(
  _ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32
) -> Int {
  guard let data else { return 0 }
  // One input in four is replaced by a generated case; the rest are mutated byte-wise.
  if seed % 4 == 0 {
    var generator = ExpressionGenerator(seed: UInt64(seed))
    let generated = generator.next()
    let bytes = Array(generated.expression.utf8) + [UInt8(ascii: "\n")]
      + Array(generated.snapshot.utf8)
    if bytes.count <= maxSize {
      bytes.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: bytes.count) }
      return bytes.count
    }
  }
  return libFuzzerMutate(data, size, maxSize)
}
