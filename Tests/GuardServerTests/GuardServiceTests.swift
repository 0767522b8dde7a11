import ConservationGuard
import ConservationGuardService
import Foundation
import Logging
import ServiceLifecycle
import Testing

@Suite("GuardService: the guard's polling as a swift-service-lifecycle Service")
struct GuardServiceTests {
  static func guardian(rules: RuleDirectory) -> ConservationGuard {
    var configuration = GuardConfiguration()
    configuration.retryInterval = .milliseconds(200)
    return ConservationGuard(
      source: DirectoryRuleSource(path: rules.path), configuration: configuration,
      environment: [:], logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
      metrics: nil)
  }

  static func waitUntil(seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition() { return true }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
  }

  /// Run in a service group, the service starts the guard and retries the compile on its
  /// cadence: fixing the rules makes the guard ready without anyone calling `poll()`. A
  /// graceful shutdown ends it.
  @Test func itStartsAndPollsUntilGracefulShutdown() async throws {
    let rules = try RuleDirectory(Fixtures.brokenRules)
    let guardian = Self.guardian(rules: rules)
    let group = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: [GuardService(guardian)],
        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
    let running = Task(executorPreference: DedicatedTaskExecutor.shared) {
      try await group.run()
    }
    #expect(await Self.waitUntil(seconds: 60) { guardian.currentState == .degraded })
    try rules.write(Fixtures.billingRules)
    #expect(await Self.waitUntil(seconds: 60) { guardian.currentState == .ready })
    await group.triggerGracefulShutdown()
    try await running.value
    // Polling stopped: a broken file is no longer noticed.
    let version = guardian.health().ruleSetVersion
    try rules.write(Fixtures.brokenRules)
    try await Task.sleep(for: .milliseconds(600))
    #expect(guardian.health().lastCompileError == nil)
    #expect(guardian.health().ruleSetVersion == version)
  }

  /// The control: without the service nothing polls, and the fix is not picked up.
  @Test func withoutTheServiceNothingPolls() async throws {
    let rules = try RuleDirectory(Fixtures.brokenRules)
    let guardian = Self.guardian(rules: rules)
    guardian.start()
    try rules.write(Fixtures.billingRules)
    try await Task.sleep(for: .milliseconds(600))
    #expect(guardian.currentState == .degraded)
  }
}
