import Testing

@testable import ConstraintBatch

/// With worker threads, JSON lines are read in chunks, two per worker in flight: their size
/// shrinks with many workers so that memory stays bounded whatever `jobs` is.
@Suite("Chunk sizing")
struct ChunkSizingTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var requested: Int
    var workers: Int
    var expected: Int
    var testDescription: String { "\(requested) bytes asked, \(workers) workers" }
  }

  static let mebibyte = 1_048_576
  static let cases: [Case] = [
    Case(requested: mebibyte, workers: 1, expected: mebibyte),
    Case(requested: mebibyte, workers: 2, expected: mebibyte),
    Case(requested: mebibyte, workers: 8, expected: mebibyte),
    Case(requested: mebibyte, workers: 16, expected: mebibyte / 2),
    Case(requested: mebibyte, workers: 64, expected: mebibyte / 8),
    Case(requested: mebibyte, workers: 10_000, expected: 65_536),
    Case(requested: 100, workers: 64, expected: 100),
    Case(requested: 0, workers: 2, expected: 1),
    Case(requested: -5, workers: 2, expected: 1),
  ]

  @Test(arguments: cases)
  func chunksInFlightStayWithinTheirBudget(_ tested: Case) {
    let bytes = BatchChecker.chunkBytes(tested.requested, workers: tested.workers)
    #expect(bytes == tested.expected)
    if bytes > 65_536 {
      #expect(2 * tested.workers * bytes <= BatchChecker.chunksInFlightBytes)
    }
  }
}
