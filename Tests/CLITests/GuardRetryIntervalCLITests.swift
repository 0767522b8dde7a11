import Foundation
import Testing

/// Issue 17, "busy loop in the guard": `--retry-interval` below 100 ms is refused.
@Suite("guard --retry-interval floor")
struct GuardRetryIntervalCLITests {
  @Test func anIntervalBelowTheFloorIsRefused() throws {
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" guard --rules Rules --data - --retry-interval 0.0001",
      timeout: .seconds(30))
    #expect(!result.timedOut && !result.signalled && result.status != 0, "\(result.summary)")
    #expect(result.stderr.contains("--retry-interval must be between 0.1 and 3600 seconds"))
  }

  @Test func theFloorItselfIsAccepted() throws {
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" guard --rules Rules --data - --allow-empty --retry-interval 0.1",
      timeout: .seconds(30))
    #expect(!result.timedOut && result.status == 0, "\(result.summary)")
  }
}
