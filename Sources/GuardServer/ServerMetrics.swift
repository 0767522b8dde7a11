import ConservationGuard
import Prometheus
import Synchronization

/// The server's Prometheus registry: the guard's swift-metrics (through a
/// `PrometheusMetricsFactory`), the HTTP metrics, and the rule-set info metric. Each server has
/// its own registry (nothing is bootstrapped globally), so several servers can run in one
/// process (the tests do).
final class ServerMetrics: Sendable {
  /// The routes, as the `route` label names them.
  enum Route: String, CaseIterable, Sendable {
    case check
    case checkStream = "check_stream"
    case healthLive = "health_live"
    case healthReady = "health_ready"
    case metrics, reconciliations, other
  }

  /// Every status the server answers with (the `status` label).
  static let statuses = [200, 400, 401, 403, 404, 405, 413, 415, 422, 503]

  static let requestsName = "conservation_guard_http_requests_total"
  static let requestDurationName = "conservation_guard_http_request_duration_seconds"
  static let ruleSetInfoName = "conservation_guard_rule_set_info"
  /// The guard's timer (recorded in nanoseconds), exported as a histogram in seconds.
  static let checkDurationName = "conservation_guard_check_duration_seconds"

  let registry: PrometheusCollectorRegistry
  let factory: PrometheusMetricsFactory
  /// `[route][status index]`, created up front so a request only increments.
  private let requests: [Route: [Counter]]
  private let requestDurations: [Route: DurationHistogram]
  /// Check requests (single and NDJSON) being answered: what a graceful shutdown drains.
  let checksInFlight: Gauge
  /// The version the info metric carries, and its gauge.
  private let ruleSetInfo = Mutex<(version: String, gauge: Gauge)?>(nil)

  init() {
    let registry = PrometheusCollectorRegistry()
    self.registry = registry
    var factory = PrometheusMetricsFactory(registry: registry)
    let checkBuckets: [Duration] = [
      .nanoseconds(500), .microseconds(1), .microseconds(2), .microseconds(5),
      .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100),
      .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(5),
      .milliseconds(25),
    ]
    factory.durationHistogramBuckets = [Self.checkDurationName: checkBuckets]
    factory.nameAndLabelSanitizer = { name, labels in
      (name == "conservation_guard_check_duration" ? Self.checkDurationName : name, labels)
    }
    self.factory = factory

    let requestDescriptor = MetricNameDescriptor(
      metricName: "conservation_guard_http_requests", unitName: "total",
      helpText: "HTTP requests answered, by route and status.")
    var requests: [Route: [Counter]] = [:]
    for route in Route.allCases {
      requests[route] = Self.statuses.map { status in
        registry.makeCounter(
          descriptor: requestDescriptor,
          labels: [("route", route.rawValue), ("status", "\(status)")])
      }
    }
    self.requests = requests
    let durationDescriptor = MetricNameDescriptor(
      metricName: "conservation_guard_http_request_duration", unitName: "seconds",
      helpText: "Time from a request's head to its response (the whole stream for NDJSON).")
    let httpBuckets: [Duration] = [
      .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
      .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
      .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1), .seconds(10),
    ]
    var durations: [Route: DurationHistogram] = [:]
    for route in [Route.check, .checkStream] {
      durations[route] = registry.makeDurationHistogram(
        descriptor: durationDescriptor, labels: [("route", route.rawValue)], buckets: httpBuckets)
    }
    requestDurations = durations
    checksInFlight = registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "conservation_guard_http_checks_in_flight", unitName: "",
        helpText: "Check requests (one snapshot or an NDJSON stream) being answered now."),
      labels: [])
  }

  /// Counts one answered request.
  func count(route: Route, status: Int) {
    guard let index = Self.statuses.firstIndex(of: status) else { return }
    requests[route]?[index].increment()
  }

  /// Records how long a check request took.
  func recordDuration(route: Route, _ duration: Duration) {
    requestDurations[route]?.record(duration)
  }

  /// Points `conservation_guard_rule_set_info{version="…"} 1` at the rule set in force (no
  /// series before the first successful compile, or under bypass).
  func updateRuleSetInfo(version: String?) {
    ruleSetInfo.withLock { current in
      if current?.version == version { return }
      if let old = current {
        registry.unregisterGauge(old.gauge)
        current = nil
      }
      guard let version else { return }
      let gauge = registry.makeGauge(
        descriptor: MetricNameDescriptor(
          metricName: "conservation_guard_rule_set", unitName: "info",
          helpText: "The rule set in force: its version (content hash) as a label; always 1."),
        labels: [("version", version)])
      gauge.set(Int64(1))
      current = (version, gauge)
    }
  }

  /// The Prometheus text exposition of every metric.
  func exposition() -> [UInt8] {
    registry.emitToBuffer()
  }
}
