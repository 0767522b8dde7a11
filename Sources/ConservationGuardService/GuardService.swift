import ConservationGuard
import ServiceLifecycle

/// A ``ConservationGuard`` as a swift-service-lifecycle `Service`: `run()` starts the guard (a
/// no-op when it was started already) and polls it on its cadence (compile retries while
/// degraded, reload checks while ready, the bypass reminder) until the service group shuts
/// down gracefully or is cancelled.
///
/// ```swift
/// let guardian = ConservationGuard(rulesDirectory: "/etc/billing/rules")
/// guardian.start()                   // before the server accepts its first check
/// let group = ServiceGroup(
///   services: [GuardService(guardian), httpServer],
///   gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// A service group shuts its services down in reverse order, so list the guard before the
/// server that calls it: the server drains its in-flight checks first, and the guard keeps
/// polling until then.
public struct GuardService: Service, CustomStringConvertible {
  /// The guard this service drives.
  public let guardian: ConservationGuard

  public init(_ guardian: ConservationGuard) {
    self.guardian = guardian
  }

  public func run() async throws {
    guardian.start()
    let guardian = self.guardian
    await cancelWhenGracefulShutdown { await guardian.runPolling() }
  }

  public var description: String { "GuardService" }
}
