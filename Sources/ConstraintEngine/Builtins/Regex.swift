/// `matches(subject, 'pattern')`: signature only; the compiler compiles the PCRE2 pattern and
/// evaluates the match.
enum RegexBuiltins {
  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature(
        "matches", [.value, .regexLiteral], result: .boolean, portable: false, family: "regex"),
      .regexMatch)
  ]
}
