// Writes the Promela model of the conservation guard's transition table (or of a mutant) for
// spin. `make model-check` runs it; see docs/GUARD.md, "The model".
//
//   guard-model [--mutant NAME] [--output FILE]   the model (standard output by default)
//   guard-model --list-mutants                    NAME PROPERTY SUMMARY, one per line
import ConservationGuard
import Foundation
import GuardModel

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("guard-model: \(message)\n".utf8))
  exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var mutant: Mutant?
var output: String?
while !arguments.isEmpty {
  let argument = arguments.removeFirst()
  switch argument {
  case "--list-mutants":
    for mutant in Mutant.allCases {
      print("\(mutant.rawValue) \(mutant.property) \(mutant.summary)")
    }
    exit(0)
  case "--mutant":
    guard !arguments.isEmpty else { fail("--mutant needs a name") }
    let name = arguments.removeFirst()
    guard let found = Mutant(rawValue: name) else {
      fail("no mutant \(name); --list-mutants lists them")
    }
    mutant = found
  case "--output":
    guard !arguments.isEmpty else { fail("--output needs a path") }
    output = arguments.removeFirst()
  default:
    fail("unknown argument \(argument)")
  }
}

let model = mutant.map { PromelaModel(mutant: $0) } ?? PromelaModel()
let text = model.render()
FileHandle.standardError.write(
  Data(
    ("guard-model: table \(model.tableName); \(model.reachableControls().count) control states "
      + "x \(GuardTable.Event.allCases.count) events; bound: \(model.bounds.summary)\n").utf8))
if let output {
  do {
    try text.write(toFile: output, atomically: true, encoding: .utf8)
  } catch {
    fail("cannot write \(output): \(error)")
  }
} else {
  FileHandle.standardOutput.write(Data(text.utf8))
}
