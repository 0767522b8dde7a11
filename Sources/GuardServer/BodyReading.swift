import Hummingbird
import NIOCore
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

/// Closes a connection whose request body has not arrived in time: a client that sends its
/// headers and then trickles or never finishes the body holds only its own connection, and
/// not for longer than the timeout. Armed on the connection's event loop; ``disarm()`` once
/// the body is in.
final class BodyDeadline: Sendable {
  private let firedFlag = Atomic<Bool>(false)
  private let scheduled = Mutex<Scheduled<Void>?>(nil)

  init(channel: any Channel, timeout: Duration) {
    let task = channel.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
      [self] in
      firedFlag.store(true, ordering: .sequentiallyConsistent)
      channel.close(promise: nil)
    }
    scheduled.withLock { $0 = task }
  }

  /// Whether the deadline passed (and the connection was closed).
  var hasFired: Bool { firedFlag.load(ordering: .sequentiallyConsistent) }

  func disarm() {
    scheduled.withLock { $0?.cancel() }
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
