import CPCRE2
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The allocator every PCRE2 object of the engine is created with: the system allocator plus a
/// count of the bytes PCRE2 currently holds, so tests can show that compiled patterns, contexts
/// and match data are freed (a count that does not return to its baseline is a leak).
enum PCRE2Memory {
  /// Bytes currently allocated by PCRE2 through ``generalContext``.
  static let liveBytes = Atomic<Int>(0)

  /// The general context passed to every PCRE2 constructor (created once, never freed).
  nonisolated(unsafe) static let generalContext: OpaquePointer? =
    pcre2_general_context_create_8(pcre2Allocate, pcre2Release, nil)
}

/// Each block carries its size in a 16-byte header (keeping malloc's alignment) so that
/// `pcre2Release` can subtract it.
private let headerSize = 16

private func pcre2Allocate(_ size: Int, _: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  guard let block = malloc(size + headerSize) else { return nil }
  block.storeBytes(of: size, as: Int.self)
  PCRE2Memory.liveBytes.add(size, ordering: .relaxed)
  return block + headerSize
}

private func pcre2Release(_ pointer: UnsafeMutableRawPointer?, _: UnsafeMutableRawPointer?) {
  guard let pointer else { return }
  let block = pointer - headerSize
  PCRE2Memory.liveBytes.subtract(block.load(as: Int.self), ordering: .relaxed)
  free(block)
}
