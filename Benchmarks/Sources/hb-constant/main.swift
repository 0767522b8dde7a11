import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging

// The baseline of Benchmarks/server-load.sh: a Hummingbird 2 server answering every request
// with the same constant JSON body, set up as constraint-server sets up its own (HTTP/1.1,
// the same idle timeout, a responder without a router), so the difference between the two
// is the guard's work: reading and parsing the snapshot, the seven invariants, the decision.
//
// Usage: hb-constant PORT   (0 picks a free port; `listening port=N` on standard error)

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 0 : 0
let body = ByteBuffer(string: #"{"decision":"pass","rule_set_version":"0000000000000000"}"#)

let responder = CallbackResponder<BasicRequestContext> { _, _ in
  var headers = HTTPFields()
  headers[.contentType] = "application/json"
  headers[.cacheControl] = "no-store"
  return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
}
var logger = Logger(label: "hb-constant")
logger.logLevel = .warning
let application = Application(
  responder: responder,
  server: .http1(configuration: HTTP1Channel.Configuration(idleTimeout: .seconds(30))),
  configuration: ApplicationConfiguration(
    address: .hostname("127.0.0.1", port: port), serverName: nil, reuseAddress: true),
  onServerRunning: { channel in
    FileHandle.standardError.write(
      Data("listening port=\(channel.localAddress?.port ?? -1)\n".utf8))
  },
  logger: logger)
try await application.runService()
