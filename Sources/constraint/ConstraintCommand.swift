import ArgumentParser
import ConstraintEngine

@main
struct ConstraintCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "constraint",
    abstract: "Parse, check and evaluate constraint expressions against JSON snapshots.",
    discussion: """
      Examples:
        constraint parse "a.every(x => x > 0)"     print the canonical form of an expression
        constraint fmt --check Rules/              verify rule files are canonically formatted
      """,
    version: """
      constraint \(EngineVersion.version) (grammar \(EngineVersion.grammar))
      PCRE2 \(RegexEngine.pcre2Version), \(
        RegexEngine.isJITAvailable
          ? "JIT available: patterns are JIT-compiled"
          : "JIT unavailable: patterns run in the interpreter")
      """,
    subcommands: [ParseCommand.self, FmtCommand.self, EvalCommand.self]
  )
}
