import BenchSupport

#if canImport(Glibc)
  import Glibc
#endif

func printError(_ message: String) {
  var text = message
  text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

// gen-billing SIZE OUT [SEED]: writes at least SIZE of billing snapshots as JSONL to OUT
// (`-` for standard output). SIZE is bytes with an optional K, M or G suffix (powers of 1024),
// or a count of snapshots with an L suffix (`1000000L`).

func parseSize(_ text: String) -> Int? {
  let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
  if let last = text.last?.uppercased().first, let unit = units[last] {
    return Int(text.dropLast()).map { $0 * unit }
  }
  return Int(text)
}

let arguments = CommandLine.arguments
let lineLimit = arguments.count >= 3 && arguments[1].uppercased().hasSuffix("L")
  ? Int(arguments[1].dropLast()) : nil
guard arguments.count >= 3, let size = lineLimit.map({ _ in Int.max }) ?? parseSize(arguments[1])
else {
  printError("usage: gen-billing SIZE OUT [SEED]   (SIZE: bytes, e.g. 1K, 10M, 1G; or 1000L)\n")
  exit(2)
}
let seed = arguments.count > 3 ? UInt64(arguments[3]) ?? 0x5EED_B111 : 0x5EED_B111
guard let out = arguments[2] == "-" ? fdopen(1, "wb") : fopen(arguments[2], "wb") else {
  printError("gen-billing: cannot open \(arguments[2])\n")
  exit(1)
}
var generator = BillingGenerator(seed: seed)
var written = 0
var lines = 0
var buffer: [UInt8] = []
buffer.reserveCapacity(1 << 20)
while written < size && lines < (lineLimit ?? Int.max) {
  let line = generator.nextLine()
  buffer.append(contentsOf: line.utf8)
  buffer.append(UInt8(ascii: "\n"))
  written += line.utf8.count + 1
  lines += 1
  if buffer.count >= 1 << 20 || written >= size || lines == lineLimit {
    _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, out) }
    buffer.removeAll(keepingCapacity: true)
  }
}
fclose(out)
printError("gen-billing: \(lines) snapshots, \(written) bytes\n")
