/// Object storage taken back from documents a reader's caller is done with, to build the next
/// documents' objects in instead of freeing it and allocating anew
/// (``JSONDocumentReader/recycle(_:)``). A line of JSON objects costs an allocation and a free
/// per object, about a tenth of decoding and checking a billing snapshot; documents of one
/// stream have objects of the same sizes, so the storage of one line serves the next.
///
/// Only storage no one else holds is taken back (`isKnownUniquelyReferenced`: a value kept by
/// an explanation, a report or the caller keeps its storage, untouched), its members
/// destroyed. Storage is kept by member count, at most ``keptPerCount`` of each count up to
/// ``largestCount``, so what a pool holds is bounded (under 200 KiB) whatever the input.
/// Owned by one reader and used on its thread only.
final class ObjectStoragePool {
  /// The largest member count whose storage is kept.
  static var largestCount: Int { 16 }
  /// How many storages of one member count are kept.
  static var keptPerCount: Int { 32 }
  /// Objects nested deeper than this (below the document's root) are released as usual, so
  /// taking a document back recurses no deeper than this.
  static var deepestLevel: Int { 32 }

  /// Kept storage, `keptPerCount` slots per member count (count 1 first); each holds a
  /// reference to storage whose header is 0 (no members).
  private let slots: UnsafeMutablePointer<Unmanaged<ObjectStorage>>
  /// How many slots of each member count are filled.
  private let filled: UnsafeMutablePointer<Int>
  /// Storages handed out again (for tests and measurements). Unchecked, like the reader's
  /// parser: the pool is used on one thread and never reentered while counting.
  @exclusivity(unchecked) private(set) var reuses = 0

  init() {
    slots = .allocate(capacity: Self.largestCount * Self.keptPerCount)
    filled = .allocate(capacity: Self.largestCount)
    filled.initialize(repeating: 0, count: Self.largestCount)
  }

  deinit {
    for bucket in 0..<Self.largestCount {
      for slot in 0..<filled[bucket] { slots[bucket * Self.keptPerCount + slot].release() }
    }
    filled.deallocate()
    slots.deallocate()
  }

  /// How many storages the pool holds.
  var keptCount: Int { (0..<Self.largestCount).reduce(0) { $0 + filled[$1] } }

  /// Kept storage for an object of `count` (at least 1) members, its header set to `count`
  /// and its members left for the caller to initialize; nil when none is kept.
  @inline(__always)
  func take(count: Int) -> ObjectStorage? {
    guard count <= Self.largestCount else { return nil }
    let bucket = count &- 1
    let kept = filled[bucket]
    guard kept > 0 else { return nil }
    filled[bucket] = kept &- 1
    reuses &+= 1
    let storage = slots[bucket &* Self.keptPerCount &+ kept &- 1].takeRetainedValue()
    // Through the pointer: `header` itself is a class property, checked for exclusive access.
    storage.withUnsafeMutablePointerToHeader { $0.pointee = count }
    return storage
  }

  /// Takes back the storage of `value`'s objects that no one else holds (see the type).
  func recycle(_ value: consuming Value) {
    recycle(value, level: 0)
  }

  private func recycle(_ value: consuming Value, level: Int) {
    guard case .object(let object) = consume value else { return }
    var storage = (consume object).entries.storage
    guard isKnownUniquelyReferenced(&storage) else { return }
    let count = storage.withUnsafeMutablePointers { header, members in
      let count = header.pointee
      // No members from here on: released below (too large, or enough kept), it frees
      // nothing else.
      header.pointee = 0
      // Object values taken back first (null left in their place), then every member
      // destroyed in one run.
      if level < Self.deepestLevel {
        for index in 0..<count {
          let member = members + index
          guard case .object = member.pointee.value else { continue }
          let nested = withUnsafeMutablePointer(to: &member.pointee.value) { value in
            defer { value.initialize(to: .null) }
            return value.move()
          }
          recycle(nested, level: level &+ 1)
        }
      }
      StandardLibraryLayout.destroy(members, count: count)
      return count
    }
    guard count >= 1, count <= Self.largestCount else { return }
    let bucket = count &- 1
    let kept = filled[bucket]
    guard kept < Self.keptPerCount else { return }
    slots[bucket &* Self.keptPerCount &+ kept] = Unmanaged.passRetained(storage)
    filled[bucket] = kept &+ 1
  }
}
