import Synchronization

/// The guard's source of time, injected so tests advance it without sleeping.
public protocol GuardClock: Sendable {
  /// The current instant of a monotonic clock.
  func now() -> ContinuousClock.Instant
}

/// The real monotonic clock.
public struct SystemGuardClock: GuardClock {
  public init() {}

  public func now() -> ContinuousClock.Instant { ContinuousClock.now }
}

/// A clock that moves only when told to: for tests and rehearsals.
public final class ManualGuardClock: GuardClock {
  private let current: Mutex<ContinuousClock.Instant>

  /// Starts at the real clock's current instant.
  public init() {
    current = Mutex(ContinuousClock.now)
  }

  public func now() -> ContinuousClock.Instant { current.withLock { $0 } }

  /// Moves the clock forward by `duration`.
  public func advance(by duration: Duration) {
    current.withLock { $0 = $0.advanced(by: duration) }
  }
}
