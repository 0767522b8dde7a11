import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Why a request body was not read whole.
enum BodyFailure: Error {
  /// More than the limit arrived (or was announced by `Content-Length`).
  case tooLarge(limit: Int)
  /// The body ended before its announced length, or its connection failed or was closed.
  case incomplete
}

/// Closes connections whose request body has not arrived in time: a client that sends its
/// headers and then trickles or never finishes the body holds only its own connection, and
/// not for longer than the timeout. One reaper per server: a body read registers itself (a
/// lock and a dictionary insert, no timer per request) and a single task sweeps every
/// `sweepInterval`, closing the connections past their deadline; the reaper runs as a
/// service of the server's group until the server has drained.
final class BodyReaper: Service, Sendable {
  private struct Entry {
    let deadline: ContinuousClock.Instant
    let channel: any Channel
    let expired: BodyDeadline
  }

  private let nextID = Atomic<Int>(0)
  private let entries = Mutex<[Int: Entry]>([:])
  let timeout: Duration
  let sweepInterval: Duration

  init(timeout: Duration, sweepInterval: Duration = .milliseconds(100)) {
    self.timeout = timeout
    self.sweepInterval = min(sweepInterval, timeout)
  }

  /// Starts the clock on one body read; ``BodyDeadline/disarm()`` stops it.
  func arm(_ channel: any Channel) -> BodyDeadline {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    let token = BodyDeadline(reaper: self, id: id)
    entries.withLock { $0[id] = Entry(deadline: deadline, channel: channel, expired: token) }
    return token
  }

  fileprivate func disarm(_ id: Int) {
    _ = entries.withLock { $0.removeValue(forKey: id) }
  }

  /// Closes every connection past its deadline; returns how many.
  @discardableResult
  func sweep(now: ContinuousClock.Instant = .now) -> Int {
    let late = entries.withLock { open -> [Entry] in
      let late = open.filter { $0.value.deadline <= now }
      for id in late.keys { open[id] = nil }
      return Array(late.values)
    }
    for entry in late {
      entry.expired.markFired()
      entry.channel.close(promise: nil)
    }
    return late.count
  }

  /// Sweeps until the group shuts the reaper down (after the server has drained).
  func run() async throws {
    let interval = sweepInterval
    await cancelWhenGracefulShutdown { [self] in
      while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        sweep()
      }
    }
  }
}

/// One armed body read (see ``BodyReaper``).
final class BodyDeadline: Sendable {
  private let reaper: BodyReaper
  private let id: Int
  private let firedFlag = Atomic<Bool>(false)

  fileprivate init(reaper: BodyReaper, id: Int) {
    self.reaper = reaper
    self.id = id
  }

  fileprivate func markFired() {
    firedFlag.store(true, ordering: .sequentiallyConsistent)
  }

  /// Whether the deadline passed (and the connection was closed).
  var hasFired: Bool { firedFlag.load(ordering: .sequentiallyConsistent) }

  /// The body is in (or failed): stop the clock.
  func disarm() {
    reaper.disarm(id)
  }
}

/// Closes a connection whose NDJSON stream makes no progress (not one whole line, and not
/// its end) for a whole timeout. Cheap per line: the line reader only bumps a counter, and
/// one repeated task on the event loop compares it with what it saw the time before.
final class StreamWatchdog: Sendable {
  private let progress = Atomic<Int>(0)
  private let lastSeen = Mutex(-1)
  private let firedFlag = Atomic<Bool>(false)
  private let task = Mutex<RepeatedTask?>(nil)

  init(channel: any Channel, timeout: Duration) {
    let amount = TimeAmount.nanoseconds(timeout.nanosecondsClamped)
    let repeated = channel.eventLoop.scheduleRepeatedTask(initialDelay: amount, delay: amount) {
      [self] repeated in
      let now = progress.load(ordering: .sequentiallyConsistent)
      let stalled = lastSeen.withLock { last -> Bool in
        defer { last = now }
        return last == now
      }
      if stalled {
        repeated.cancel()
        firedFlag.store(true, ordering: .sequentiallyConsistent)
        channel.close(promise: nil)
      }
    }
    task.withLock { $0 = repeated }
  }

  /// Whether the stream stalled (and the connection was closed).
  var hasFired: Bool { firedFlag.load(ordering: .sequentiallyConsistent) }

  /// A line (or the end) arrived.
  func advance() {
    progress.wrappingAdd(1, ordering: .relaxed)
  }

  func stop() {
    task.withLock { $0?.cancel() }
  }
}

extension Duration {
  /// Whole nanoseconds, clamped to `Int64`.
  var nanosecondsClamped: Int64 {
    let (seconds, attoseconds) = components
    guard seconds < Int64.max / 1_000_000_000 else { return Int64.max }
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
  }
}

enum BodyReader {
  /// The whole body, refused past `limit` bytes. `expectedLength` (the request's
  /// `Content-Length`) must be matched exactly: a body cut short is never read as whole.
  static func collect(
    _ body: RequestBody, limit: Int, expectedLength: Int?, deadline: BodyDeadline
  ) async throws(BodyFailure) -> ByteBuffer {
    var collected: ByteBuffer?
    do {
      for try await chunk in body {
        if var buffer = collected {
          guard buffer.readableBytes + chunk.readableBytes <= limit else {
            throw BodyFailure.tooLarge(limit: limit)
          }
          collected = nil
          var chunk = chunk
          buffer.writeBuffer(&chunk)
          collected = buffer
        } else {
          guard chunk.readableBytes <= limit else { throw BodyFailure.tooLarge(limit: limit) }
          if let expectedLength, expectedLength > chunk.readableBytes {
            var buffer = ByteBufferAllocator().buffer(capacity: expectedLength)
            var chunk = chunk
            buffer.writeBuffer(&chunk)
            collected = buffer
          } else {
            collected = chunk
          }
        }
      }
    } catch let failure as BodyFailure {
      throw failure
    } catch {
      throw BodyFailure.incomplete
    }
    let buffer = collected ?? ByteBuffer()
    if deadline.hasFired { throw BodyFailure.incomplete }
    if let expectedLength, buffer.readableBytes != expectedLength { throw BodyFailure.incomplete }
    return buffer
  }
}
