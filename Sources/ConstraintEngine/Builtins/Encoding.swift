import Crypto
import Foundation

/// `canonical_size_cap`, `signer_key_id_matches_derivation`,
/// `percentiles_monotonic_nondecreasing`, `utf8_byte_length_max`.
enum EncodingBuiltins {
  static let family = "encoding"

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature("canonical_size_cap", [.value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let cap = try arguments.byteCap(1, "the byte cap")
        let bytes: [UInt8]
        do throws(CanonicalJSONError) {
          bytes = try CanonicalJSON.encode(arguments[0], normalizeStrings: true)
        } catch {
          throw .invalidArgument(index: 0, message: "no canonical JSON form: \(error.message)")
        }
        return .bool(bytes.count <= cap)
      }),
    Builtin(
      BuiltinSignature(
        "signer_key_id_matches_derivation",
        [.value, .stringLiteral, .stringLiteral, .stringLiteral], result: .boolean,
        family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        _ = try arguments.object(0, "the record")
        let cluster = try StateBuiltins.recordString(arguments, 1)
        let keyVersion = try StateBuiltins.recordString(arguments, 2)
        let keyID = try StateBuiltins.recordString(arguments, 3)
        let derived = keyIDDerivation(cluster: cluster, keyVersion: keyVersion)
        return .bool(Value.scalarsEqual(StateBuiltins.asciiLowercased(keyID), derived))
      }),
    Builtin(
      BuiltinSignature(
        "percentiles_monotonic_nondecreasing", [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let measurements = try arguments.object(0, "the measurements")
        var previous: Number? = nil
        for field in ["p50_ms", "p95_ms", "p99_ms", "max_ms"] {
          let current = try Field.number(measurements[field], "measurements.\(field)")
          guard current.signum >= 0 else {
            throw .failed("measurements.\(field) must not be negative, got \(current)")
          }
          if let previous, Number.compare(previous, current) > 0 { return .bool(false) }
          previous = current
        }
        return .bool(true)
      }),
    Builtin(
      BuiltinSignature(
        "utf8_byte_length_max", [.value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let text = try arguments.string(0, "the value")
        let cap = try arguments.byteCap(1, "the byte cap")
        return .bool(text.utf8.count <= cap)
      }),
  ]

  /// Lowercase hex SHA-256 of the NFC forms of `cluster ':' keyVersion` in UTF-8.
  static func keyIDDerivation(cluster: String, keyVersion: String) -> String {
    let input = CanonicalJSON.nfc(cluster) + ":" + CanonicalJSON.nfc(keyVersion)
    return sha256Hex(Array(input.utf8))
  }

  /// Lowercase hex SHA-256 of `bytes`.
  static func sha256Hex(_ bytes: [UInt8]) -> String {
    let digest = SHA256.hash(data: bytes)
    let hex = Array("0123456789abcdef".utf8)
    var output: [UInt8] = []
    output.reserveCapacity(64)
    for byte in digest {
      output.append(hex[Int(byte >> 4)])
      output.append(hex[Int(byte & 0x0F)])
    }
    return String(decoding: output, as: UTF8.self)
  }
}
