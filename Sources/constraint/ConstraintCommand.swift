import ArgumentParser
import ConstraintEngine

@main
struct ConstraintCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "constraint",
    abstract: "Parse, check and evaluate constraint expressions against JSON snapshots.",
    version: "constraint \(EngineVersion.version) (grammar \(EngineVersion.grammar))",
    subcommands: []
  )
}
