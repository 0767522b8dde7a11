#if canImport(Glibc)
  import Glibc
#endif

/// Reads JSON documents into runtime ``Value``s: strict RFC 8259, exact numbers, duplicate
/// keys rejected, every limit of ``JSONLimits`` enforced.
///
/// A document that cannot be read is a ``Diagnostic`` of code ``DiagnosticCode/invalidJSON``
/// whose ``Diagnostic/range`` starts at the offending byte of the document (offset, line and
/// column in it); an input that cannot be opened or read is one at its start.
public enum JSONReader {
  /// Reads one document from UTF-8 bytes, building what `projection` reads of it (by default
  /// all of it; see ``JSONDocumentReader/init(limits:projection:)``).
  public static func read(
    _ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default,
    projection: ReadProjection = .wholeDocument
  ) throws(Diagnostic) -> Value {
    try read(bytes, limits: limits, projectionTable: ProjectionTable.laidOut(projection))
  }

  /// Reads one document through a projection laid out once for many reads (`nil`: the whole
  /// document), for callers that read one projection's documents on many threads (a guard's
  /// rule set): ``read(_:limits:projection:)`` lays its projection out on every call.
  package static func read(
    _ bytes: UnsafeRawBufferPointer, limits: JSONLimits, projectionTable: ProjectionTable?
  ) throws(Diagnostic) -> Value {
    do throws(JSONError) {
      return try readTyped(bytes, limits: limits, projectionTable: projectionTable)
    } catch {
      throw error.diagnostic
    }
  }

  /// ``read(_:limits:projectionTable:)`` with the parser's own error.
  static func readTyped(
    _ bytes: UnsafeRawBufferPointer, limits: JSONLimits, projectionTable: ProjectionTable?
  ) throws(JSONError) -> Value {
    // A large document is worth a string table of its own (its keys repeat); a small one
    // would pay more to set the table up than it saves.
    guard bytes.count >= 1 << 16 else {
      return try read(bytes, limits: limits, strings: nil, projectionTable: projectionTable)
    }
    let table = JSONStringTable()
    defer { withExtendedLifetime(table) {} }
    return try read(
      bytes, limits: limits, strings: table.cache, projectionTable: projectionTable)
  }

  /// Reads one document, looking short strings up in (and adding them to) `strings`, which
  /// may be shared by the documents read one after another on one thread (its table must
  /// stay alive meanwhile).
  static func read(
    _ bytes: UnsafeRawBufferPointer, limits: JSONLimits, strings: JSONStringCache?,
    projectionTable: ProjectionTable? = nil
  ) throws(JSONError) -> Value {
    let typed = bytes.bindMemory(to: UInt8.self)
    var parser = JSONParser(
      bytes: typed, limits: limits, builder: ValueBuilder(), strings: strings)
    guard let projectionTable else { return try parser.parseDocument() }
    defer { withExtendedLifetime(projectionTable) {} }
    return try parser.parseProjectedDocument(projectionTable.view)
  }

  /// Reads one document from UTF-8 bytes, building what `projection` reads of it.
  public static func read(
    _ bytes: [UInt8], limits: JSONLimits = .default, projection: ReadProjection = .wholeDocument
  ) throws(Diagnostic) -> Value {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(Diagnostic) -> Value in
        try read(raw, limits: limits, projection: projection)
      }
    }
    return try result.get()
  }

  /// Reads one document from text, building what `projection` reads of it.
  public static func read(
    _ text: String, limits: JSONLimits = .default, projection: ReadProjection = .wholeDocument
  ) throws(Diagnostic) -> Value {
    var text = text
    let result = text.withUTF8 { bytes in
      Result { () throws(Diagnostic) -> Value in
        try read(UnsafeRawBufferPointer(bytes), limits: limits, projection: projection)
      }
    }
    return try result.get()
  }

  /// Reads the one document a file holds. I/O failures are errors at offset 0.
  public static func readFile(
    atPath path: String, limits: JSONLimits = .default,
    projection: ReadProjection = .wholeDocument
  ) throws(Diagnostic) -> Value {
    let bytes: [UInt8]
    do throws(JSONError) {
      bytes = try readWholeFile(atPath: path, limit: limits.maximumDocumentBytes)
    } catch {
      throw error.diagnostic
    }
    return try read(bytes, limits: limits, projection: projection)
  }

  /// Reads one document keeping every value's and key's source range (for rule files, whose
  /// structural errors report `file:line:column`).
  public static func readLocated(_ text: String, limits: JSONLimits = .default)
    throws(Diagnostic) -> LocatedJSON
  {
    var text = text
    let result = text.withUTF8 { bytes in
      Result { () throws(JSONError) -> LocatedJSON in
        var parser = JSONParser(bytes: bytes, limits: limits, builder: LocatedBuilder())
        return try parser.parseDocument()
      }
    }
    return try result.mapError(\.diagnostic).get()
  }

  /// The bytes of a file, refusing files over `limit` bytes: a regular file by its size,
  /// before anything is read (its bytes are then read into storage of exactly that size).
  static func readWholeFile(atPath path: String, limit: Int) throws(JSONError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw JSONError(
        message: "cannot open \(path): \(String(cString: strerror(errno)))", offset: 0, line: 1,
        column: 1)
    }
    defer { close(descriptor) }
    var status = stat()
    var expected = 0
    if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
      expected = Int(status.st_size)
      if expected > limit {
        throw JSONError(
          message: "\(path) exceeds the \(limit)-byte document limit (\(expected) bytes)",
          offset: limit, line: 1, column: 1)
      }
    }
    return try readToEnd(descriptor, name: path, limit: limit, expected: expected)
  }

  /// Reads one document from an open file descriptor (a pipe, standard input) to its end,
  /// refusing more than ``JSONLimits/maximumDocumentBytes`` as soon as the first byte over it
  /// is read. The descriptor is not closed. A read error is an error, never the end of input.
  public static func read(
    fileDescriptor descriptor: Int32, limits: JSONLimits = .default,
    projection: ReadProjection = .wholeDocument
  ) throws(Diagnostic) -> Value {
    let bytes: [UInt8]
    do throws(JSONError) {
      bytes = try readToEnd(
        descriptor, name: "input", limit: limits.maximumDocumentBytes, expected: 0)
    } catch {
      throw error.diagnostic
    }
    return try read(bytes, limits: limits, projection: projection)
  }

  /// The bytes of `descriptor` to its end (`expected` of them, when known), `name` in errors.
  private static func readToEnd(_ descriptor: Int32, name: String, limit: Int, expected: Int)
    throws(JSONError) -> [UInt8]
  {
    var result: [UInt8] = []
    result.reserveCapacity(expected + 1)
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw JSONError(
          message: "cannot read \(name): \(String(cString: strerror(errno)))", offset: 0,
          line: 1, column: 1)
      }
      if count == 0 { break }
      result.append(contentsOf: chunk[0..<count])
      if result.count > limit {
        throw JSONError(
          message: "\(name) exceeds the \(limit)-byte document limit", offset: limit, line: 1,
          column: 1)
      }
    }
    return result
  }
}

/// Reads documents one after another on one thread — the lines of a JSONL stream, say — as
/// `JSONReader.read` does, but faster: it keeps its scratch memory from one document to the
/// next, and short strings it has seen (object keys above all) are shared instead of built
/// again. Not thread-safe: use one per thread.
public final class JSONDocumentReader {
  /// The limits every document is read under.
  public let limits: JSONLimits
  /// What is built of each document: everything else is validated without being built.
  /// While documents hold little outside the projection (``fullReadAfter`` in a row whose
  /// skipped values take less than a quarter of their bytes), they are read in full, which
  /// then costs less; one in ``probeInterval`` is still read projected, and the first that
  /// skips more switches back. So a value holds at least the projection, and every projected
  /// path resolves as in the full document.
  public let projection: ReadProjection
  /// `projection` laid out for the parser; nil when the whole document is read.
  private let projectionTable: ProjectionTable?
  /// The table's view, read per document without retaining the table.
  private let projectionView: ProjectionView?
  private let strings = JSONStringTable()
  /// The storage of objects taken back with ``recycle(_:)``, to build objects in.
  private let objectStorage = ObjectStoragePool()
  /// Unchecked: the reader is not thread-safe and `read` does not reenter, so the dynamic
  /// exclusivity check on each access (two runtime calls per document) finds nothing.
  @exclusivity(unchecked) private var parser: JSONParser<ValueBuilder>
  /// Whether documents are read in full for now: the last ``fullReadAfter`` projected reads
  /// skipped less than a quarter of their document, where skipping gains less than looking
  /// keys up in the projection costs (a full read does the same work otherwise).
  private var readsInFull = false
  /// Projected reads in a row that skipped less than a quarter of their document.
  private var readsSkippingLittle = 0
  /// Documents read in full since the last projected read.
  private var fullReadsSinceProbe = 0

  /// Projected reads in a row skipping little after which documents are read in full.
  public static var fullReadAfter: Int { 16 }
  /// While reading in full, every this many documents one is read projected again, to find
  /// whether documents have come to hold more than is read.
  public static var probeInterval: Int { 1024 }
  /// A projected read skips little when the values it skipped take less than one in this
  /// many bytes of the document.
  static var worthwhileSkipShare: Int { 4 }

  /// A reader building what `projection` reads of each document (by default all of it). A
  /// projected read accepts and refuses exactly the documents a full read does, with the same
  /// errors, and every projected path resolves to the same value.
  public convenience init(
    limits: JSONLimits = .default, projection: ReadProjection = .wholeDocument
  ) {
    self.init(limits: limits, projectionTable: ProjectionTable.laidOut(projection))
  }

  /// A reader building what `projectionTable` reads (all of each document when nil): a
  /// projection laid out once for every reader that reads through it.
  package init(limits: JSONLimits, projectionTable: ProjectionTable?) {
    self.limits = limits
    projection = projectionTable?.projection ?? .wholeDocument
    self.projectionTable = projectionTable
    projectionView = projectionTable?.view
    parser = JSONParser(
      bytes: UnsafeBufferPointer(start: nil, count: 0), limits: limits,
      builder: ValueBuilder(pool: objectStorage), strings: strings.cache,
      unscannedDocumentBytes: JSONParser<ValueBuilder>.unscannedDocumentBytes(limits: limits))
  }

  /// Reads one document from UTF-8 bytes; a document that cannot be read is a diagnostic as
  /// ``JSONReader`` reports it.
  public func read(_ bytes: UnsafeRawBufferPointer) throws(Diagnostic) -> Value {
    do throws(JSONError) {
      return try readTyped(bytes)
    } catch {
      throw error.diagnostic
    }
  }

  /// Takes back a value the caller is done with (one this reader read, typically): the
  /// storage of its objects that nothing else holds is kept to build the objects of the
  /// next documents in, sparing an allocation and a free per object. Objects still held
  /// elsewhere (by an explanation, a report, a copy) are left as they are.
  package func recycle(_ value: consuming Value) {
    objectStorage.recycle(value)
  }

  /// Object storages handed out again since the reader was made (see ``recycle(_:)``).
  package var objectStorageReuses: Int { objectStorage.reuses }

  /// Reads where the values of the members `keys` names lie in a document into `slots` (one
  /// per path, ``SlotKeys/slotCount``), building nothing (``JSONParser/readSlots(_:into:)``):
  /// which slots were written (bit `i` for slot `i`) when the document is an object read
  /// without error, without escaped keys and without a looked-for key twice in the objects
  /// read for slots; nil when it must be read by ``read(_:)`` instead (which then refuses it
  /// or builds its value). Only the parser's reusable memory and key predictions are shared
  /// with ``read(_:)``.
  package func readSlots(
    _ bytes: UnsafeRawBufferPointer, _ keys: SlotKeys, into slots: UnsafeMutablePointer<ValueSlot>
  ) -> UInt64? {
    parser.reset(bytes: bytes.bindMemory(to: UInt8.self))
    defer { if bytes.count >= 1 << 16 { parser.releaseLargeScratch() } }
    do throws(JSONError) {
      return try parser.readSlots(keys, into: slots)
    } catch {
      return nil
    }
  }

  /// ``read(_:)`` with the parser's own error.
  func readTyped(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> Value {
    parser.reset(bytes: bytes.bindMemory(to: UInt8.self))
    // A long document may have grown the scratch stacks: their memory is not kept.
    defer { if bytes.count >= 1 << 16 { parser.releaseLargeScratch() } }
    guard let projectionView else { return try parser.parseDocument() }
    if readsInFull {
      fullReadsSinceProbe &+= 1
      if fullReadsSinceProbe < JSONDocumentReader.probeInterval {
        return try parser.parseDocument()
      }
      fullReadsSinceProbe = 0
    }
    let value = try parser.parseProjectedDocument(projectionView)
    if parser.skippedBytes &* JSONDocumentReader.worthwhileSkipShare < bytes.count {
      readsSkippingLittle &+= 1
      if readsSkippingLittle >= JSONDocumentReader.fullReadAfter { readsInFull = true }
    } else {
      readsSkippingLittle = 0
      readsInFull = false
    }
    return value
  }
}

/// A JSON value with the source range of every value and object key.
public struct LocatedJSON: Sendable {
  /// Not `indirect`: containers hold their elements in arrays, so a scalar is stored inline
  /// rather than in a box of its own.
  public enum Kind: Sendable {
    case scalar(Value)
    case array([LocatedJSON])
    case object([Member])
  }

  /// An object member: its key, the key's range and the value.
  public struct Member: Sendable {
    public var key: String
    public var keyRange: SourceRange
    public var value: LocatedJSON
  }

  public var kind: Kind
  public var range: SourceRange

  /// The plain value, without ranges.
  public var value: Value {
    switch kind {
    case .scalar(let value): return value
    case .array(let elements): return .array(elements.map(\.value))
    case .object(let members): return .object(ObjectValue(members.map { ($0.key, $0.value.value) }))
    }
  }

  /// The member named `key` of an object, nil otherwise.
  public subscript(key: String) -> Member? {
    guard case .object(let members) = kind else { return nil }
    return members.first { Value.scalarsEqual($0.key, key) }
  }

  /// The JSON type name (`object`, `array`, `string`, `number`, `boolean`, `null`).
  public var typeName: String {
    switch kind {
    case .scalar(let value): return value.typeName
    case .array: return "array"
    case .object: return "object"
    }
  }
}

struct LocatedBuilder: JSONBuilder {
  static var tracksLocations: Bool { true }
  static var bytesPerValue: Int { JSONMemoryEstimate.bytesPerLocatedValue }

  func scalar(_ value: Value, range: SourceRange) -> LocatedJSON {
    LocatedJSON(kind: .scalar(value), range: range)
  }

  func array(moving elements: UnsafeMutableBufferPointer<LocatedJSON>, range: SourceRange)
    -> LocatedJSON
  {
    LocatedJSON(kind: .array(movingIntoArray(elements)), range: range)
  }

  func object(
    moving members: UnsafeMutableBufferPointer<(key: String, value: LocatedJSON)>,
    keyRanges: consuming [SourceRange], range: SourceRange
  ) -> LocatedJSON {
    LocatedJSON(
      kind: .object(
        zip(movingIntoArray(members), keyRanges).map { member, keyRange in
          LocatedJSON.Member(key: member.key, keyRange: keyRange, value: member.value)
        }),
      range: range)
  }
}
