import ConservationGuard
import ConstraintEngine
import Foundation
import Logging
import MetricsTestKit
import Testing

/// Issue 17, "busy loop in the guard": a retry interval below the floor is raised to it, so a
/// degraded guard can never spin recompiling its rules.
@Suite("Guard retry interval floor")
struct GuardRetryFloorTests {
  @Test func aZeroIntervalRetriesAtTheFloor() {
    var configuration = GuardConfiguration()
    configuration.retryInterval = .zero
    let harness = GuardHarness(source: Fixtures.source("{"), configuration: configuration)
    harness.guardian.start()
    #expect(harness.compileAttempts("failure") == 1)
    harness.advance(seconds: 0.05)
    harness.advance(seconds: 0.049)
    #expect(harness.compileAttempts("failure") == 1)
    harness.advance(seconds: 0.001)
    #expect(harness.compileAttempts("failure") == 2)
    #expect(GuardConfiguration.minimumRetryInterval == .milliseconds(100))
  }

  @Test func backgroundPollingWithATinyIntervalDoesNotSpin() async throws {
    var configuration = GuardConfiguration()
    configuration.retryInterval = .microseconds(100)
    let metrics = TestMetrics()
    let guardian = ConservationGuard(
      source: Fixtures.source("{"), configuration: configuration, environment: [:],
      logger: Logger(label: "test.guard") { _ in SwiftLogNoOpLogHandler() }, metrics: metrics)
    let polling = guardian.startWithBackgroundPolling()
    try await Task.sleep(for: .seconds(1))
    polling.cancel()
    _ = await polling.value
    let attempts = metrics.counterTotal(
      label: "conservation_guard_compile_attempts_total", dimensions: [("result", "failure")])
    // At the 100 ms floor: about 11 in one second (a loaded machine only makes fewer).
    #expect(attempts >= 1 && attempts <= 15, "\(attempts) compile attempts in one second")
  }
}
