import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writing to a child process's standard input. A child may exit before it reads its input
/// (a usage or compile error is reported before any data is read): the write then fails with
/// `EPIPE`. By default that write raises `SIGPIPE`, which ends the whole test process without
/// a word (a fast machine exits the child before the write and CI loses every test). Broken
/// pipes are ignored in the test process, and a child that has gone is not an error of the
/// test: its exit status and output say what happened.
enum ChildInput {
  /// Set once, before the first write. (A `Void` global would never be read, so never set.)
  private static let brokenPipesIgnored: Bool = {
    _ = signal(SIGPIPE, SIG_IGN)
    return true
  }()

  /// Writes `data` to `handle`; a reader that has gone away is ignored, any other failure is
  /// thrown.
  static func write(_ data: Data, to handle: FileHandle) throws {
    _ = brokenPipesIgnored
    do {
      try handle.write(contentsOf: data)
    } catch where isBrokenPipe(error) {
      return
    }
  }

  /// Whether `error` is `EPIPE`, itself or as the POSIX error under Foundation's write error.
  static func isBrokenPipe(_ error: any Error) -> Bool {
    let error = error as NSError
    if error.domain == NSPOSIXErrorDomain { return error.code == Int(EPIPE) }
    guard let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError else { return false }
    return underlying.domain == NSPOSIXErrorDomain && underlying.code == Int(EPIPE)
  }

  /// Writes `data` (if any) to the writing end of `pipe` and closes it, on a thread of its
  /// own: a child that fills its output before reading all its input never blocks the test.
  /// `finish()` waits for the write and rethrows its error.
  final class Feed: @unchecked Sendable {
    private var failure: (any Error)?
    private let done = DispatchSemaphore(value: 0)

    init(_ data: Data?, into pipe: Pipe) {
      let handle = pipe.fileHandleForWriting
      _ = brokenPipesIgnored
      Thread.detachNewThread { [self] in
        do {
          if let data { try ChildInput.write(data, to: handle) }
          try handle.close()
        } catch {
          failure = error
        }
        done.signal()
      }
    }

    func finish() throws {
      done.wait()
      if let failure { throw failure }
    }
  }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeDrain: @unchecked Sendable {
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  init(_ pipe: Pipe) {
    let handle = pipe.fileHandleForReading
    Thread.detachNewThread { [self] in
      data = handle.readDataToEndOfFile()
      done.signal()
    }
  }

  /// Waits for the end of the pipe and returns what it carried.
  func finish() -> Data {
    done.wait()
    return data
  }
}
