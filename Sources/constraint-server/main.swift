import Foundation
import GuardServer

#if canImport(Glibc)
  import Glibc
#endif

// `constraint-server`: parse the flags and environment (usage errors: exit 2 with the message),
// then run the server until a graceful shutdown (exit 0). A server that cannot start (the
// address is in use, say) or fails exits 2. See docs/GUARD.md, "The guard as a service".

/// Writes all of `text` to a descriptor; false when it cannot.
func writeAll(_ text: String, to descriptor: Int32) -> Bool {
  var bytes = Array(text.utf8)
  return bytes.withUnsafeMutableBytes { raw -> Bool in
    var offset = 0
    while offset < raw.count {
      let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += written
    }
    return true
  }
}

signal(SIGPIPE, SIG_IGN)
let environment = ProcessInfo.processInfo.environment
let command: ServerCommand
do {
  command = try ServerConfiguration.parse(
    arguments: Array(CommandLine.arguments.dropFirst()), environment: environment)
} catch {
  _ = writeAll(
    "error: \(error.message)\nUsage: constraint-server --rules DIR [options] (see --help)\n",
    to: STDERR_FILENO)
  exit(2)
}

switch command {
case .help:
  exit(writeAll(ServerConfiguration.usage + "\n", to: STDOUT_FILENO) ? 0 : 2)
case .version:
  exit(writeAll(GuardServer.version + "\n", to: STDOUT_FILENO) ? 0 : 2)
case .run(let configuration):
  let server = GuardServer(configuration: configuration, environment: environment)
  do {
    try await server.run()
    exit(0)
  } catch {
    // The server logged `server_failed` with the reason.
    exit(2)
  }
}
