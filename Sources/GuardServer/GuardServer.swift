import ConservationGuard
import ConservationGuardService
import ConstraintEngine
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The conservation guard as an HTTP service: the guard (started, then polled by a
/// ``GuardService``), the Hummingbird server answering the API of docs/openapi.yaml, and the
/// Prometheus registry, in one swift-service-lifecycle group that shuts down gracefully on
/// SIGTERM and SIGINT (stop accepting, drain in-flight requests, return).
///
/// The `constraint-server` executable is a thin layer over this type; tests start it in their
/// own process on port 0 and talk HTTP to it.
public final class GuardServer: Sendable {
  public let configuration: ServerConfiguration
  public let guardian: ConservationGuard
  let metrics: ServerMetrics
  let logger: Logger
  private let frameworkLogger: Logger
  private let group = Mutex<ServiceGroup?>(nil)
  private let shutdownRequested = Mutex(false)

  /// - Parameters:
  ///   - environment: read by the guard, once, for `EVALUATOR_BYPASS`.
  ///   - sink: where log lines go (standard error by default).
  public init(
    configuration: ServerConfiguration,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    sink: any LogSink = StandardErrorSink()
  ) {
    self.configuration = configuration
    let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
    let format = configuration.logFormat
    logger = Logger(label: "constraint-server") { label in
      ServerLogHandler(label: label, format: format, level: level, sink: sink)
    }
    // Hummingbird's and the service group's own lines only at warning and above, unless the
    // operator asked for debug output.
    let frameworkLevel = level <= .debug ? level : .warning
    frameworkLogger = Logger(label: "hummingbird") { label in
      ServerLogHandler(label: label, format: format, level: frameworkLevel, sink: sink)
    }
    let guardLogger = Logger(label: "conservation-guard") { label in
      ServerLogHandler(label: label, format: format, level: level, sink: sink)
    }
    metrics = ServerMetrics()
    guardian = ConservationGuard(
      source: DirectoryRuleSource(path: configuration.rules),
      configuration: configuration.guardConfiguration, environment: environment,
      logger: guardLogger, metrics: metrics.factory)
  }

  /// Runs until a graceful shutdown (a signal when `handleSignals`, or
  /// ``shutDownGracefully()``) has drained every in-flight request; throws when the server
  /// cannot start (the address cannot be bound) or fails.
  ///
  /// - Parameter onListening: called with the bound host and port once the server accepts
  ///   connections (port 0 in the configuration picks a free port).
  public func run(
    handleSignals: Bool = true,
    onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
  ) async throws {
    var configLine: Logger.Metadata = [:]
    for (key, value) in configuration.summary { configLine[key] = "\(value)" }
    configLine["version"] = "\(GuardServer.version)"
    logger.info("server_config", metadata: configLine)

    guardian.start()
    metrics.updateRuleSetInfo(version: guardian.health().ruleSetVersion)
    let reaper = BodyReaper(timeout: configuration.bodyTimeout)
    let responder = GuardResponder(
      guardian: guardian, configuration: configuration, metrics: metrics, logger: logger,
      reaper: reaper)
    if responder.bypassActive {
      logger.critical(
        "bypass_active",
        metadata: [
          "warning": "\(DecisionJSON.bypassWarning)",
          "effect": "every check answers 200 bypassed; /health/ready answers 503",
        ])
    }
    let logger = self.logger
    let application = Application(
      responder: responder,
      server: .http1(
        configuration: HTTP1Channel.Configuration(
          idleTimeout: .nanoseconds(configuration.idleTimeout.nanosecondsClamped))),
      configuration: ApplicationConfiguration(
        address: .hostname(configuration.host, port: configuration.port), serverName: nil,
        reuseAddress: true),
      onServerRunning: { channel in
        let address = channel.localAddress
        let host = address?.ipAddress ?? "?"
        let port = address?.port ?? -1
        logger.notice("listening", metadata: ["host": "\(host)", "port": "\(port)"])
        await onListening(host, port)
      },
      logger: frameworkLogger)

    var groupConfiguration = ServiceGroupConfiguration(
      services: [
        .init(service: GuardService(guardian)),
        // After the server in shutdown order: it keeps closing stalled bodies while the
        // server drains.
        .init(service: reaper, serviceName: "body-reaper"),
        .init(service: application, serviceName: "http"),
        .init(service: ShutdownAnnouncer(logger: logger), serviceName: "shutdown-announcer"),
      ],
      gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
      cancellationSignals: [],
      logger: frameworkLogger)
    groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
    let serviceGroup = ServiceGroup(configuration: groupConfiguration)
    let stopAtOnce = group.withLock { stored -> Bool in
      stored = serviceGroup
      return shutdownRequested.withLock { $0 }
    }
    if stopAtOnce { await serviceGroup.triggerGracefulShutdown() }
    do {
      try await serviceGroup.run()
    } catch {
      logger.critical("server_failed", metadata: ["error": "\(error)"])
      throw error
    }
    logger.notice("shutdown_complete")
  }

  /// Starts a graceful shutdown, as SIGTERM does: stop accepting, drain in-flight requests,
  /// then ``run(handleSignals:onListening:)`` returns.
  public func shutDownGracefully() async {
    let serviceGroup = group.withLock { stored -> ServiceGroup? in
      shutdownRequested.withLock { $0 = true }
      return stored
    }
    await serviceGroup?.triggerGracefulShutdown()
  }

  /// `constraint-server X (ConstraintEngine X, grammar 2.0)`.
  public static var version: String {
    "constraint-server \(EngineVersion.version) (grammar \(EngineVersion.grammar))"
  }
}

/// Logs `shutdown_started` the moment a graceful shutdown begins (it is the last service, so
/// the first one the group tells), while the server drains.
struct ShutdownAnnouncer: Service {
  let logger: Logger

  func run() async throws {
    do {
      try await gracefulShutdown()
    } catch {
      return
    }
    logger.notice(
      "shutdown_started",
      metadata: ["effect": "no new connections; in-flight requests are answered, then exit 0"])
  }
}
