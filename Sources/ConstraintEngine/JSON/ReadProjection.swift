/// The parts of a snapshot that are read: a tree of object keys, each either read whole or
/// narrowed to some of its members. A projecting reader
/// (``JSONDocumentReader/init(limits:projection:)``) builds values only for these parts and validates the rest of the document without building
/// it, so a document is accepted or refused exactly as by the full reader and every projected
/// path resolves to the same value.
///
/// Built from the field paths rules read (``RuleSet/readProjection(ruleIndexes:extraPaths:)``):
/// the value at the end of a path is read whole; a path through an array index (`items[0].id`)
/// reads the array whole. A value that the projection narrows to members but that is not an
/// object (an array, a string) is read whole, so every path resolves as in the full document.
public struct ReadProjection: Sendable, Hashable, CustomStringConvertible {
  /// What is read of one value.
  public indirect enum Shape: Sendable, Hashable {
    /// The whole value.
    case whole
    /// Of an object, only these members (keys compared by exact Unicode scalars, sorted by
    /// their UTF-8 bytes); any other value is read whole.
    case members([Member])
  }

  /// One projected member of an object.
  public struct Member: Sendable, Hashable {
    public var key: String
    public var shape: Shape

    public init(key: String, shape: Shape) {
      self.key = key
      self.shape = shape
    }

    public static func == (a: Member, b: Member) -> Bool {
      Value.scalarsEqual(a.key, b.key) && a.shape == b.shape
    }

    public func hash(into hasher: inout Hasher) {
      hasher.combine(Array(key.utf8))
      hasher.combine(shape)
    }
  }

  /// What is read of the document.
  public private(set) var root: Shape

  /// The whole document (what the full reader builds).
  public static let wholeDocument = ReadProjection(root: .whole)

  /// A projection of `root`.
  public init(root: Shape) {
    self.root = root
  }

  /// The projection reading each of `paths` whole (and nothing else): a path's array indexes
  /// make the array they index read whole.
  public init(paths: some Sequence<FieldPath>) {
    root = .members([])
    for path in paths { read(path) }
  }

  /// Adds `path`, read whole, to the projection.
  public mutating func read(_ path: FieldPath) {
    var keys: [String] = []
    for component in path.components {
      guard case .key(let key) = component else { break }
      keys.append(key)
    }
    root.read(keys[...])
  }

  /// Whether the whole document is read (nothing can be skipped).
  public var readsWholeDocument: Bool { root == .whole }

  /// The paths read whole, in the projection's order (`budget.limit_micro`).
  public var wholePaths: [FieldPath] {
    var paths: [FieldPath] = []
    func collect(_ shape: Shape, _ prefix: [FieldPath.Component]) {
      switch shape {
      case .whole: if !prefix.isEmpty { paths.append(FieldPath(prefix)) }
      case .members(let members):
        for member in members { collect(member.shape, prefix + [.key(member.key)]) }
      }
    }
    collect(root, [])
    return paths
  }

  /// `whole document`, or the paths read whole separated by commas.
  public var description: String {
    if readsWholeDocument { return "whole document" }
    let paths = wholePaths
    return paths.isEmpty ? "nothing" : paths.map(\.description).joined(separator: ", ")
  }
}

extension ReadProjection.Shape {
  /// Adds the path of `keys`, read whole at its end.
  mutating func read(_ keys: ArraySlice<String>) {
    guard case .members(var members) = self else { return }
    guard let key = keys.first else {
      self = .whole
      return
    }
    let utf8 = Array(key.utf8)
    var low = 0
    var high = members.count
    while low < high {
      let middle = (low + high) / 2
      if Array(members[middle].key.utf8).lexicographicallyPrecedes(utf8) {
        low = middle + 1
      } else {
        high = middle
      }
    }
    if low == members.count || !Value.scalarsEqual(members[low].key, key) {
      members.insert(ReadProjection.Member(key: key, shape: .members([])), at: low)
    }
    // Taken out of `self` first, so that the members are changed in place.
    self = .whole
    members[low].shape.read(keys.dropFirst())
    self = .members(members)
  }
}

/// A ``ReadProjection`` laid out for the parser: nodes by index (the root is node 0), each
/// node's members contiguous, with their keys' hashes (``JSONStringBytes/hash``). Kept in
/// memory of its own, so that the parser reads it through a ``ProjectionView`` with no
/// reference counting; immutable once built.
package final class ProjectionTable: @unchecked Sendable {
  struct Node {
    var whole: Bool
    var firstMember: Int
    var memberCount: Int
    /// One bit per member key hash (its top six bits), to pass over most other keys at once.
    var keyBits: UInt64
  }

  struct Member {
    var hash: UInt64
    var key: String
    var child: Int
  }

  /// The projection laid out.
  package let projection: ReadProjection
  private let nodes: UnsafeMutableBufferPointer<Node>
  private let members: UnsafeMutablePointer<Member>
  private let memberCount: Int

  /// `projection` laid out; `nil` when it reads the whole document (nothing to look up).
  package static func laidOut(_ projection: ReadProjection) -> ProjectionTable? {
    projection.readsWholeDocument ? nil : ProjectionTable(projection)
  }

  init(_ projection: ReadProjection) {
    self.projection = projection
    var nodes: [Node] = []
    var members: [Member] = []
    // Breadth first: a node's members are laid out together, their children after them.
    var pending: [(index: Int, shape: ReadProjection.Shape)] = [(0, projection.root)]
    nodes.append(Node(whole: true, firstMember: 0, memberCount: 0, keyBits: 0))
    while !pending.isEmpty {
      let (index, shape) = pending.removeFirst()
      guard case .members(let projected) = shape else { continue }
      var node = Node(
        whole: false, firstMember: members.count, memberCount: projected.count, keyBits: 0)
      for member in projected {
        let child = nodes.count
        nodes.append(Node(whole: true, firstMember: 0, memberCount: 0, keyBits: 0))
        pending.append((child, member.shape))
        let hash = JSONStringBytes.hash(of: member.key)
        node.keyBits |= 1 &<< (hash &>> 58)
        members.append(Member(hash: hash, key: member.key, child: child))
      }
      nodes[index] = node
    }
    self.nodes = .allocate(capacity: nodes.count)
    _ = self.nodes.initialize(from: nodes)
    memberCount = members.count
    self.members = .allocate(capacity: max(1, members.count))
    self.members.initialize(from: members, count: members.count)
  }

  deinit {
    nodes.deinitialize()
    nodes.deallocate()
    members.deinitialize(count: memberCount)
    members.deallocate()
  }

  /// The table for the parser, valid while the table lives.
  var view: ProjectionView {
    ProjectionView(nodes: UnsafePointer(nodes.baseAddress!), members: UnsafePointer(members))
  }
}
