import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A small HTTP/1.1 client over a real TCP socket to 127.0.0.1, for talking to the server the
/// way any client does: no transport mock, every byte on the wire. Blocking calls run on a
/// thread of their own (``HTTPTestClient/send(_:port:timeout:)``), never on the cooperative
/// pool the server in the same process may need.
struct HTTPTestResponse: Sendable {
  var status: Int
  /// Header names in lower case.
  var headers: [String: String]
  var body: [UInt8]

  var text: String { String(decoding: body, as: UTF8.self) }

  /// The body as a JSON object.
  func json() throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
    else { throw HTTPTestError("the body is not a JSON object: \(text)") }
    return object
  }

  /// Each line of an NDJSON body as a JSON object.
  func jsonLines() throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
      guard
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      else { throw HTTPTestError("not a JSON object line: \(line)") }
      return object
    }
  }
}

struct HTTPTestError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A request as bytes: method, path, headers, body.
struct HTTPTestRequest: Sendable {
  var method = "GET"
  var path = "/"
  var headers: [(String, String)] = []
  var body: [UInt8]? = nil

  static func get(_ path: String, headers: [(String, String)] = []) -> HTTPTestRequest {
    HTTPTestRequest(method: "GET", path: path, headers: headers)
  }

  static func post(
    _ path: String, json: String, contentType: String = "application/json",
    headers: [(String, String)] = []
  ) -> HTTPTestRequest {
    HTTPTestRequest(
      method: "POST", path: path, headers: [("Content-Type", contentType)] + headers,
      body: Array(json.utf8))
  }

  /// The request's bytes, with `Content-Length` when there is a body.
  var bytes: [UInt8] {
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if let body { head += "Content-Length: \(body.count)\r\n" }
    head += "\r\n"
    return Array(head.utf8) + (body ?? [])
  }
}

/// One TCP connection to the server, used from one thread.
final class TestConnection: @unchecked Sendable {
  let descriptor: Int32
  private var buffered: [UInt8] = []

  /// Connects to 127.0.0.1:`port`; every read waits at most `timeout` seconds.
  init(port: Int, timeout: Double = 20) throws {
    descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw HTTPTestError("socket: \(errno)") }
    var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard result == 0 else {
      let code = errno
      close(descriptor)
      throw HTTPTestError("connect to port \(port): \(String(cString: strerror(code)))")
    }
  }

  deinit { close(descriptor) }

  func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes {
        Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw HTTPTestError("send: \(String(cString: strerror(errno)))")
      }
      offset += written
    }
  }

  func send(_ text: String) throws { try send(Array(text.utf8)) }

  /// Reads more bytes; nil at the end of the stream.
  private func fill() throws -> Bool {
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if count < 0 {
        if errno == EINTR { continue }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPTestError("read timed out") }
        throw HTTPTestError("recv: \(String(cString: strerror(errno)))")
      }
      if count == 0 { return false }
      buffered.append(contentsOf: chunk[0..<count])
      return true
    }
  }

  /// Whether the server closed the connection (reads the end of the stream within the
  /// socket's timeout; throws when the timeout passes first).
  func readsEndOfStream() throws -> Bool {
    while true {
      if !buffered.isEmpty { return false }
      do {
        if try !fill() { return true }
      } catch let error as HTTPTestError where error.description.hasPrefix("recv") {
        return true  // reset by the server
      }
    }
  }

  private func readLine() throws -> String {
    while true {
      if let index = buffered.firstIndex(of: 0x0A) {
        var line = Array(buffered[..<index])
        buffered.removeFirst(index + 1)
        if line.last == 0x0D { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
      }
      guard try fill() else { throw HTTPTestError("connection closed in a header") }
    }
  }

  private func readExactly(_ count: Int) throws -> [UInt8] {
    while buffered.count < count {
      guard try fill() else { throw HTTPTestError("connection closed in a body") }
    }
    let bytes = Array(buffered[..<count])
    buffered.removeFirst(count)
    return bytes
  }

  /// Reads one response's head.
  func readHead() throws -> (status: Int, headers: [String: String]) {
    let statusLine = try readLine()
    let parts = statusLine.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, let status = Int(parts[1]) else {
      throw HTTPTestError("bad status line: \(statusLine)")
    }
    var headers: [String: String] = [:]
    while true {
      let line = try readLine()
      if line.isEmpty { break }
      guard let colon = line.firstIndex(of: ":") else { continue }
      let name = line[..<colon].lowercased()
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      headers[name] = headers[name].map { $0 + ", " + value } ?? value
    }
    return (status, headers)
  }

  /// Reads one chunk of a chunked body; nil after the last.
  func readChunk() throws -> [UInt8]? {
    let sizeLine = try readLine()
    guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
      throw HTTPTestError("bad chunk size: \(sizeLine)")
    }
    if size == 0 {
      while try !readLine().isEmpty {}
      return nil
    }
    let bytes = try readExactly(size)
    _ = try readLine()
    return bytes
  }

  /// Reads one whole response.
  func readResponse() throws -> HTTPTestResponse {
    let (status, headers) = try readHead()
    var body: [UInt8] = []
    if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
      while let chunk = try readChunk() { body += chunk }
    } else if let length = headers["content-length"].flatMap({ Int($0) }) {
      body = try readExactly(length)
    } else {
      while try fill() {}
      body = buffered
      buffered = []
    }
    return HTTPTestResponse(status: status, headers: headers, body: body)
  }
}

enum HTTPTestClient {
  /// Sends one request on a new connection and reads the response, on a thread of its own.
  static func send(
    _ request: HTTPTestRequest, port: Int, timeout: Double = 20
  ) async throws -> HTTPTestResponse {
    try await onThread {
      let connection = try TestConnection(port: port, timeout: timeout)
      try connection.send(request.bytes)
      return try connection.readResponse()
    }
  }

  /// Runs blocking work on a new thread and awaits its result.
  static func onThread<T: Sendable>(
    _ work: @escaping @Sendable () throws -> T
  ) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      let thread = Thread { continuation.resume(with: Result { try work() }) }
      thread.stackSize = 1 << 20
      thread.start()
    }
  }
}
