// Every place where ConstraintEngine relies on how the standard library lays out a `String`,
// or how Swift lays out an object's `(key, value)` member, is in this file, and callers use
// only its API. Two gates decide whether any of it runs:
//
// - At compile time, `-D CONSTRAINT_PORTABLE_LAYOUT` (`swift build -Xswiftc
//   -DCONSTRAINT_PORTABLE_LAYOUT`, `make test-portable`) compiles every layout read and write
//   out: each function below then does the same work through public API only (same results,
//   slower). A second compile-time condition, a 64-bit little-endian target, is part of it.
// - At run time, ``StandardLibraryLayout/holds`` checks once, on strings and values this
//   standard library builds, that the layout is the one described; when it is not, everything
//   takes the portable code (the JSON reader builds strings through the library, object
//   storage drops its members plainly, and programs get no fast path).
//
// The layout, on 64-bit little-endian targets (the standard library's ABI): a string of at
// most 15 UTF-8 bytes lives in its own two words ("small"), bytes 0–7 in the first (byte 0
// lowest), bytes 8–14 in the low seven bytes of the second, whose top byte holds the
// discriminator (high nibble `0xE` small ASCII, `0xA` small non-ASCII; bit 61 set exactly for
// the small form) and the byte count (low nibble). A small string holds no storage: copying it
// needs no retain, dropping it no release. A `Value` holding a string has the string's two
// words at its start; a `(key, value)` tuple has its key at offset 0 and its value after it at
// the value's alignment.

/// The standard-library layout assumptions the engine's fast code makes, and their gates (see
/// the comment at the top of this file). Nothing outside this file reads or writes a layout.
@usableFromInline
enum StandardLibraryLayout {
  /// Whether this build compiles the layout reads and writes in (false when built with
  /// `-D CONSTRAINT_PORTABLE_LAYOUT`, or on a target that is not 64-bit little-endian).
  static var isCompiledIn: Bool {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      return true
    #else
      return false
    #endif
  }

  /// Whether the layout described above is compiled in and holds on this standard library,
  /// checked once (on strings and values built at run time) before anything relies on it.
  static let holds: Bool = isCompiledIn && probe()

  /// Whether programs may get a fast path. The fast path reads strings and object members in
  /// place through this file: in a build with the layout compiled in only once ``holds`` has
  /// confirmed it; in a portable build always (every read there goes through public API).
  static var permitsFastPath: Bool { isCompiledIn ? holds : true }

  /// The label of the code this process runs, for tests and diagnostics.
  static var mode: String {
    isCompiledIn ? (holds ? "layout" : "layout compiled in, probe failed: portable") : "portable"
  }

  // MARK: - Bit identity

  /// A string's two words, as an opaque identity: two strings with the same bits are the same
  /// string (the same storage, or the same inline bytes). Zero in a portable build, where
  /// ``hasBits(_:_:)`` never matches.
  typealias Bits = (UInt64, UInt64)

  /// The bits of `text` (see ``Bits``).
  @inline(__always)
  static func bits(of text: String) -> Bits {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      return unsafeBitCast(text, to: Bits.self)
    #else
      return (0, 0)
    #endif
  }

  /// Whether `a` and `b` have identical bits, which proves them the same string (a shortcut
  /// only: false says nothing). Always false in a portable build.
  @inlinable @inline(__always)
  static func identicalBits(_ a: String, _ b: String) -> Bool {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      return unsafeBitCast(a, to: (UInt64, UInt64).self)
        == unsafeBitCast(b, to: (UInt64, UInt64).self)
    #else
      return false
    #endif
  }

  /// Whether the key of the member at `member` has exactly the bits `bits`, read in place
  /// (the key lies at the start of the tuple). Always false in a portable build.
  @inline(__always)
  static func key(of member: UnsafePointer<ObjectValue.Element>, hasBits bits: Bits) -> Bool {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      return UnsafeRawPointer(member).load(as: Bits.self) == bits
    #else
      return false
    #endif
  }

  // MARK: - Arrays and object members in place

  /// The elements of the array the value at `value` holds, in place; nil for anything else.
  /// The buffer is found from the array's storage object (its count after the object's two
  /// header words, its elements after the count and capacity), not from a `with…` closure, so
  /// reading it takes no reference count; it is valid while the value at `value` is neither
  /// changed nor destroyed (the fast path reads a snapshot that outlives the evaluation). Only
  /// where ``holds``; never called in a portable build (``isCompiledIn`` is false there).
  @inline(__always)
  static func elementsInPlace(of value: UnsafePointer<Value>) -> UnsafeBufferPointer<Value>? {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      guard case .array(let elements) = value.pointee else { return nil }
      let storage = unsafeBitCast(elements, to: UnsafeRawPointer.self)
      return UnsafeBufferPointer(
        start: (storage + arrayElementsOffset).assumingMemoryBound(to: Value.self),
        count: storage.load(fromByteOffset: heapObjectHeaderSize, as: Int.self))
    #else
      return nil
    #endif
  }

  /// The members of the object the value at `value` holds, in place; nil for anything else:
  /// found from its `ManagedBuffer` storage object (the count in the header after the
  /// object's two header words, the members after it), valid and gated as
  /// ``elementsInPlace(of:)``.
  @inline(__always)
  static func membersInPlace(of value: UnsafePointer<Value>)
    -> UnsafeBufferPointer<ObjectValue.Element>?
  {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      guard case .object(let object) = value.pointee else { return nil }
      let storage = UnsafeRawPointer(Unmanaged.passUnretained(object.entries.storage).toOpaque())
      return UnsafeBufferPointer(
        start: (storage + managedElementsOffset).assumingMemoryBound(
          to: ObjectValue.Element.self),
        count: storage.load(fromByteOffset: heapObjectHeaderSize, as: Int.self))
    #else
      return nil
    #endif
  }

  /// The address of the value of the member at `member`, in place (by the tuple's layout).
  /// Only where ``holds``.
  @inline(__always)
  static func valueInPlace(ofMember member: UnsafePointer<ObjectValue.Element>)
    -> UnsafePointer<Value>
  {
    (UnsafeRawPointer(member) + memberValueOffset).assumingMemoryBound(to: Value.self)
  }

  /// A heap object's header: its metadata pointer and its reference counts.
  static var heapObjectHeaderSize: Int { 2 * MemoryLayout<Int>.size }

  /// Where an array's elements start in its storage object: after the header, the count and
  /// the capacity.
  static var arrayElementsOffset: Int {
    roundedUp(heapObjectHeaderSize + 2 * MemoryLayout<Int>.size, MemoryLayout<Value>.alignment)
  }

  /// Where an object's members start in its ``ObjectStorage``: after the header and the
  /// `Int` count (`ManagedBuffer`'s header).
  static var managedElementsOffset: Int {
    roundedUp(
      heapObjectHeaderSize + MemoryLayout<Int>.size, MemoryLayout<ObjectValue.Element>.alignment)
  }

  @inline(__always)
  private static func roundedUp(_ offset: Int, _ alignment: Int) -> Int {
    (offset + alignment - 1) / alignment * alignment
  }

  /// Calls `body` with the address of the value of the member at `index` of `members`: in
  /// place (by the tuple's layout) when the layout is compiled in, else through the
  /// standard library (possibly a copy of the value's bits, which is as good for reading).
  /// The address is valid only inside `body`.
  @inline(__always)
  static func withValue<Result>(
    ofMember index: Int, in members: UnsafeBufferPointer<ObjectValue.Element>,
    _ body: (UnsafePointer<Value>) -> Result
  ) -> Result {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      return body(valueInPlace(ofMember: members.baseAddress! + index))
    #else
      return withUnsafePointer(to: members[index].value, body)
    #endif
  }

  /// Where a member's value lies in the `(key, value)` tuple: tuple elements are laid out in
  /// order, the key at 0 and the value after it at its alignment (a constant the compiler
  /// folds; ``probe()`` checks it against `MemoryLayout.offset(of:)`).
  static var memberValueOffset: Int {
    roundedUp(MemoryLayout<String>.size, MemoryLayout<Value>.alignment)
  }

  /// Destroys `count` members at `members`. With the layout, one member at a time, skipping
  /// the release of a small string key or value (a runtime call that would do nothing);
  /// otherwise one member at a time through the standard library. Never
  /// `deinitialize(count:)` on the whole run, which destroys each tuple through the runtime's
  /// generic witness.
  @inline(__always)
  static func destroy(_ members: UnsafeMutablePointer<ObjectValue.Element>, count: Int) {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      if holds {
        for index in 0..<count {
          let member = members + index
          if !isSmall(UnsafeRawPointer(member)) {
            withUnsafeMutablePointer(to: &member.pointee.key) { _ = $0.move() }
          }
          withUnsafeMutablePointer(to: &member.pointee.value) { value in
            // A `Value` holding a string has the string's words at its start.
            if case .string = value.pointee, isSmall(UnsafeRawPointer(value)) { return }
            _ = value.move()
          }
        }
        return
      }
    #endif
    for index in 0..<count { _ = (members + index).move() }
  }

  // MARK: - Small strings

  /// Whether the string at `string` is small (inline). Only meaningful where ``holds``.
  @inline(__always)
  static func isSmall(_ string: UnsafeRawPointer) -> Bool {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      // Bit 61 of the second word marks the small form (its top byte is 0xE0 or 0xA0 + count).
      return string.load(fromByteOffset: 8, as: UInt64.self) & (1 &<< 61) != 0
    #else
      return false
    #endif
  }

  /// The bytes of the string at `string` when it is small (inline, ASCII or not), read in
  /// place: bytes 0–7 in `low`, the rest in the low seven bytes of `high` (its top byte
  /// zero), and the count. Nil for a string held out of line, and always in a build without
  /// the layout. Only meaningful where ``holds``.
  @inline(__always)
  static func smallBytes(at string: UnsafeRawPointer) -> (low: UInt64, high: UInt64, count: Int)? {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      guard isSmall(string) else { return nil }
      let high = string.load(fromByteOffset: 8, as: UInt64.self)
      return (
        string.load(as: UInt64.self), high & 0x00FF_FFFF_FFFF_FFFF,
        Int(truncatingIfNeeded: high >> 56) & 0xF
      )
    #else
      return nil
    #endif
  }

  /// A copy of the string at `string`. With `inline` (which the caller sets only where
  /// ``holds``), a small string is copied as bits, without the retain call a copy makes
  /// (which does nothing for a small string).
  @inline(__always)
  static func copy(_ string: UnsafePointer<String>, inline: Bool) -> String {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      guard inline, isSmall(UnsafeRawPointer(string)) else { return string.pointee }
      var copy = ""
      // Unprotected: exactly the string's own 16 bytes are written, and taking a local's
      // address through the protected form puts a stack-protector check in every function
      // this is inlined into (the parser's key and value functions, once per call).
      _withUnprotectedUnsafeMutableBytes(of: &copy) {
        $0.copyMemory(
          from: UnsafeRawBufferPointer(start: string, count: MemoryLayout<String>.size))
      }
      return copy
    #else
      return string.pointee
    #endif
  }

  /// The string of `count` (at most 15) valid UTF-8 bytes held in `w0` and `w1` as
  /// little-endian chunks, zero past the end. With `inline` (set by the caller only where
  /// ``holds``), the small form is written directly (the bytes, then the count and an ASCII
  /// flag in the top byte), with no call, scan or copy loop: the bits `String(decoding:as:)`
  /// makes for the same bytes. Otherwise the string is built by the standard library.
  @inline(__always)
  static func smallString(_ w0: UInt64, _ w1: UInt64, count: Int, inline: Bool) -> String {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      if inline {
        // 0xE0: small, immortal and ASCII; 0xA0: small and immortal.
        let flags: UInt64 = (w0 | w1) & 0x8080_8080_8080_8080 == 0 ? 0xE0 : 0xA0
        let top = (flags | UInt64(truncatingIfNeeded: count)) &<< 56
        // Written over an empty string rather than bit-cast: a cast's result is retained.
        var string = ""
        // Unprotected, as in ``copy(_:inline:)``: a fixed 16-byte write into the string.
        _withUnprotectedUnsafeMutableBytes(of: &string) {
          $0.storeBytes(of: (w0, w1 | top), as: (UInt64, UInt64).self)
        }
        return string
      }
    #endif
    var words = (w0.littleEndian, w1.littleEndian)
    return withUnsafeBytes(of: &words) { raw in
      String(decoding: raw.prefix(count), as: UTF8.self)
    }
  }

  /// The bytes of `text` when it is a small ASCII string, read from its words: the first eight
  /// bytes in `low` (byte 0 lowest), the rest in the low seven bytes of `high` (its top byte
  /// zero), and the byte count. Nil for any other string, and always nil in a build without
  /// the layout. Callers read it only when ``holds``: the fast path (which only runs then) and
  /// `parseBigintString`, which checks it.
  @inline(__always)
  static func inlineASCII(_ text: String) -> (low: UInt64, high: UInt64, count: Int)? {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      let (low, high) = unsafeBitCast(text, to: Bits.self)
      guard high >> 60 == 0xE else { return nil }
      return (low, high & 0x00FF_FFFF_FFFF_FFFF, Int(truncatingIfNeeded: high >> 56) & 0xF)
    #else
      return nil
    #endif
  }

  // MARK: - The probe

  /// Whether arrays and object storage are laid out as ``elementsInPlace(of:)`` and
  /// ``membersInPlace(of:)`` read them: checked against `withUnsafeBufferPointer` and
  /// `withUnsafeMutablePointers` on arrays built several ways and on a `ManagedBuffer` of the
  /// ``ObjectStorage`` shape (not an ``ObjectStorage``, whose deinit reads ``holds``).
  private static func probeContainers() -> Bool {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      guard MemoryLayout<[Value]>.size == MemoryLayout<UnsafeRawPointer>.size else {
        return false
      }
      var grown: [Value] = []
      for number in 0..<5 { grown.append(.number(.small(number))) }
      let arrays: [[Value]] = [
        [], [.null], [.bool(true), .string("a"), .null], grown, Array(grown.dropFirst(2)),
        [Value](repeating: .missing, count: 40),
      ]
      for array in arrays {
        var value = Value.array(array)
        let agrees = array.withUnsafeBufferPointer { expected in
          withUnsafePointer(to: &value) { pointer in
            guard let found = elementsInPlace(of: pointer) else { return false }
            return found.count == expected.count
              && (expected.isEmpty || found.baseAddress == expected.baseAddress)
          }
        }
        guard agrees else { return false }
      }
      for count in [0, 1, 3] {
        let buffer = ManagedBuffer<Int, ObjectValue.Element>.create(minimumCapacity: count) {
          _ in count
        }
        let storage = UnsafeRawPointer(Unmanaged.passUnretained(buffer).toOpaque())
        let agrees = buffer.withUnsafeMutablePointers { header, elements in
          UnsafeRawPointer(header) == storage + heapObjectHeaderSize
            && UnsafeRawPointer(elements) == storage + managedElementsOffset
            && storage.load(fromByteOffset: heapObjectHeaderSize, as: Int.self) == count
        }
        guard agrees else { return false }
      }
      return true
    #else
      return false
    #endif
  }

  /// Whether the layout holds, checked on strings the standard library builds at run time
  /// and on values holding them: the bits of every small length (ASCII or not) and of longer
  /// strings, what ``smallString(_:_:count:inline:)`` writes and ``copy(_:inline:)`` copies,
  /// the small mark inside a `Value`, and where a member's value lies.
  private static func probe() -> Bool {
    #if !CONSTRAINT_PORTABLE_LAYOUT && _endian(little) && _pointerBitWidth(_64)
      guard MemoryLayout<String>.size == 16,
        MemoryLayout<ObjectValue.Element>.offset(of: \ObjectValue.Element.key) == 0,
        MemoryLayout<ObjectValue.Element>.offset(of: \ObjectValue.Element.value)
          == memberValueOffset
      else { return false }
      guard probeContainers() else { return false }
      let samples = [
        "", "7", "-12", "12345678", "123456789", "-12345678901234", "abcdefghijklmno", "é",
        "a€", "ab𝄞cd", "abcdefghijklmé",
      ]
      for sample in samples {
        let bytes = Array(sample.utf8)
        var built = String(decoding: bytes, as: UTF8.self)
        let (low, high) = bits(of: built)
        let isASCII = bytes.allSatisfy { $0 < 0x80 }
        guard high >> 60 == (isASCII ? 0xE : 0xA), Int(high >> 56 & 0xF) == bytes.count
        else { return false }
        for (position, byte) in bytes.enumerated() {
          let word = position < 8 ? low : high
          if UInt8(truncatingIfNeeded: word >> (8 * UInt64(position % 8))) != byte {
            return false
          }
        }
        if isASCII {
          guard let read = inlineASCII(built), read.count == bytes.count, read.low == low,
            read.high == high & 0x00FF_FFFF_FFFF_FFFF
          else { return false }
        } else if inlineASCII(built) != nil {
          return false
        }
        // What the reader writes and copies is what the library builds.
        var words = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
        let written = smallString(words.0, words.1, count: bytes.count, inline: true)
        let copied = withUnsafePointer(to: &built) { copy($0, inline: true) }
        var value = Value.string(built)
        guard bits(of: written) == (low, high), bits(of: copied) == (low, high),
          withUnsafeBytes(of: &built, { isSmall($0.baseAddress!) }),
          withUnsafeBytes(of: &value, { isSmall($0.baseAddress!) })
        else { return false }
      }
      // Longer strings, built or literal, are not small, in a `Value` or not.
      for long in [String(repeating: "1", count: 16), "a string longer than fifteen bytes"] {
        var string = long
        var value = Value.string(long)
        if inlineASCII(long) != nil || withUnsafeBytes(of: &string, { isSmall($0.baseAddress!) })
          || withUnsafeBytes(of: &value, { isSmall($0.baseAddress!) })
        {
          return false
        }
      }
      return true
    #else
      return false
    #endif
  }
}
