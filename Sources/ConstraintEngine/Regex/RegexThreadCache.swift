import CPCRE2

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The hot part of a thread's regex state, in plain memory reachable with one
/// `pthread_getspecific`, so a match and its callbacks touch no reference counts.
struct RegexThreadScratch {
  /// Steps left for the unanchored search running on this thread (``CompiledRegex/stepBudget``).
  var stepsRemaining: Int
  /// Match data for JIT matches, which keep no backtracking frames in it.
  var jitMatchData: OpaquePointer
  /// The most recently used interpreter match data and the heap limit it serves.
  var lastHeapLimitKiB: UInt32
  var lastInterpreterMatchData: OpaquePointer?
  /// The most recently used JIT stack and its maximum size.
  var lastJITStackKiB: UInt32
  var lastJITStack: OpaquePointer?
}

/// Per-thread PCRE2 state: the match data every match on this thread writes into, and the JIT
/// stacks it runs on. Owned by exactly one thread, so it needs no locking; a match never
/// re-enters another match on the same thread (user callouts are rejected at compile time).
///
/// All match data has room for one capture pair: matching only needs a yes or no.
final class RegexThreadCache {
  let scratch: UnsafeMutablePointer<RegexThreadScratch>
  /// Match data for interpreter matches, one per heap limit: PCRE2 keeps the backtracking frames
  /// in match data between matches and only checks the heap limit when it grows them, so a vector
  /// grown under a larger limit must never serve a match with a smaller one.
  private var interpreterMatchData: [(heapLimitKiB: UInt32, matchData: OpaquePointer)] = []
  private var jitStacks: [(maximumKiB: UInt32, stack: OpaquePointer)] = []
  /// How many distinct heap limits (and JIT stack sizes) keep scratch state on one thread.
  private static let maximumEntryCount = 4

  private init?() {
    guard let matchData = pcre2_match_data_create_8(1, PCRE2Memory.generalContext) else { return nil }
    scratch = .allocate(capacity: 1)
    scratch.initialize(
      to: RegexThreadScratch(
        stepsRemaining: 0, jitMatchData: matchData, lastHeapLimitKiB: 0,
        lastInterpreterMatchData: nil, lastJITStackKiB: 0, lastJITStack: nil))
  }

  deinit {
    pthread_setspecific(scratchKey, nil)
    pcre2_match_data_free_8(scratch.pointee.jitMatchData)
    scratch.deinitialize(count: 1)
    scratch.deallocate()
    for entry in interpreterMatchData { pcre2_match_data_free_8(entry.matchData) }
    for entry in jitStacks { pcre2_jit_stack_free_8(entry.stack) }
  }

  /// This thread's scratch state, created on first use and freed when the thread exits.
  @inline(__always)
  static var currentScratch: UnsafeMutablePointer<RegexThreadScratch>? {
    if let raw = pthread_getspecific(scratchKey) {
      return raw.assumingMemoryBound(to: RegexThreadScratch.self)
    }
    return current?.scratch
  }

  /// This thread's cache, created on first use and freed when the thread exits.
  static var current: RegexThreadCache? {
    if let raw = pthread_getspecific(threadCacheKey) {
      return Unmanaged<RegexThreadCache>.fromOpaque(raw).takeUnretainedValue()
    }
    guard let cache = RegexThreadCache() else { return nil }
    let raw = Unmanaged.passRetained(cache).toOpaque()
    guard pthread_setspecific(threadCacheKey, raw) == 0,
      pthread_setspecific(scratchKey, cache.scratch) == 0
    else {
      pthread_setspecific(threadCacheKey, nil)
      Unmanaged<RegexThreadCache>.fromOpaque(raw).release()
      return nil
    }
    return cache
  }

  /// Match data whose retained frames never exceeded `heapLimitKiB`, created on first use.
  @inline(__always)
  static func interpreterMatchData(
    heapLimitKiB: UInt32, scratch: UnsafeMutablePointer<RegexThreadScratch>
  ) -> OpaquePointer? {
    if scratch.pointee.lastHeapLimitKiB == heapLimitKiB,
      let matchData = scratch.pointee.lastInterpreterMatchData
    {
      return matchData
    }
    let matchData = current?.interpreterMatchData(heapLimitKiB: heapLimitKiB)
    scratch.pointee.lastHeapLimitKiB = heapLimitKiB
    scratch.pointee.lastInterpreterMatchData = matchData
    return matchData
  }

  private func interpreterMatchData(heapLimitKiB: UInt32) -> OpaquePointer? {
    for entry in interpreterMatchData where entry.heapLimitKiB == heapLimitKiB {
      return entry.matchData
    }
    guard let matchData = pcre2_match_data_create_8(1, PCRE2Memory.generalContext) else { return nil }
    if interpreterMatchData.count == Self.maximumEntryCount {
      pcre2_match_data_free_8(interpreterMatchData.removeFirst().matchData)
    }
    interpreterMatchData.append((heapLimitKiB, matchData))
    return matchData
  }

  /// A JIT stack that can grow to `maximumKiB`, created on first use. The oldest stack (or match
  /// data, above) is freed when too many sizes are in use; that is safe because each is only used
  /// during one match on this thread and no match is running when the next one asks.
  func jitStack(maximumKiB: UInt32) -> OpaquePointer? {
    for entry in jitStacks where entry.maximumKiB == maximumKiB { return entry.stack }
    let startSize = 32 * 1024
    let maximumSize = max(startSize, Int(maximumKiB) * 1024)
    guard let stack = pcre2_jit_stack_create_8(startSize, maximumSize, PCRE2Memory.generalContext) else { return nil }
    if jitStacks.count == Self.maximumEntryCount {
      pcre2_jit_stack_free_8(jitStacks.removeFirst().stack)
    }
    jitStacks.append((maximumKiB, stack))
    return stack
  }
}

/// The thread-specific slot for ``RegexThreadCache``; its destructor releases the cache.
private let threadCacheKey: pthread_key_t = {
  var key = pthread_key_t()
  let status = pthread_key_create(&key) { raw in
    #if canImport(Darwin)
      Unmanaged<RegexThreadCache>.fromOpaque(raw).release()
    #else
      if let raw { Unmanaged<RegexThreadCache>.fromOpaque(raw).release() }
    #endif
  }
  precondition(status == 0, "pthread_key_create failed: \(status)")
  return key
}()

/// The thread-specific slot for the current thread's ``RegexThreadScratch`` (no destructor: the
/// cache owns the memory).
private let scratchKey: pthread_key_t = {
  var key = pthread_key_t()
  let status = pthread_key_create(&key, nil)
  precondition(status == 0, "pthread_key_create failed: \(status)")
  return key
}()

/// PCRE2 calls this at the start of every JIT match to get the stack to run on. The callback data
/// is the stack's maximum size in KiB, fixed per compiled regex. Returning nil makes PCRE2 use
/// its 32 KiB machine-stack default, which is also bounded.
let regexJITStackCallback: @convention(c) (UnsafeMutableRawPointer?) -> OpaquePointer? = { data in
  let maximumKiB = UInt32(truncatingIfNeeded: Int(bitPattern: data))
  guard let scratch = RegexThreadCache.currentScratch else { return nil }
  if scratch.pointee.lastJITStackKiB == maximumKiB, let stack = scratch.pointee.lastJITStack {
    return stack
  }
  let stack = RegexThreadCache.current?.jitStack(maximumKiB: maximumKiB)
  scratch.pointee.lastJITStackKiB = maximumKiB
  scratch.pointee.lastJITStack = stack
  return stack
}

/// What ``regexStepCallout`` returns when the search has used its step budget; PCRE2 passes a
/// negative callout result through as the match result. Far from PCRE2's own error codes.
let regexStepBudgetExhausted: Int32 = -10_000

/// PCRE2 calls this before every item of an unanchored pattern compiled with
/// `PCRE2_AUTO_CALLOUT`; it charges one step to the search running on this thread.
let regexStepCallout: @convention(c) (
  UnsafeMutablePointer<pcre2_callout_block_8>?, UnsafeMutableRawPointer?
) -> Int32 = { _, _ in
  guard let raw = pthread_getspecific(scratchKey) else { return regexStepBudgetExhausted }
  let scratch = raw.assumingMemoryBound(to: RegexThreadScratch.self)
  scratch.pointee.stepsRemaining &-= 1
  return scratch.pointee.stepsRemaining < 0 ? regexStepBudgetExhausted : 0
}
