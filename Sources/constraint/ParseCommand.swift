import ArgumentParser
import ConstraintEngine
import Foundation

/// Options shared by the commands that parse expressions.
struct ParseLimitOptions: ParsableArguments {
  @Option(
    name: .customLong("max-depth"),
    help: "The deepest nesting accepted (parentheses, arrays, calls, prefix operators…).")
  var maximumDepth: Int = ParseLimits.default.maximumDepth

  @Option(
    name: .customLong("max-length"),
    help: "The longest expression accepted, in UTF-8 bytes (at most 2097152).")
  var maximumSourceLength: Int = ParseLimits.default.maximumSourceLength

  var limits: ParseLimits {
    ParseLimits(maximumDepth: maximumDepth, maximumSourceLength: maximumSourceLength)
  }

  func validate() throws {
    guard (1...ParseLimits.maximumSupportedDepth).contains(maximumDepth) else {
      throw ValidationError(
        "--max-depth must be between 1 and \(ParseLimits.maximumSupportedDepth)")
    }
    guard (1...ParseLimits.maximumSupportedSourceLength).contains(maximumSourceLength) else {
      throw ValidationError(
        "--max-length must be between 1 and \(ParseLimits.maximumSupportedSourceLength)")
    }
  }
}

/// Writing to standard error and rendering diagnostics there (through ``Terminal``).
enum StandardError {
  static func write(_ text: String) {
    Terminal().error(text)
  }

  static func render(_ diagnostic: Diagnostic, source: String, sourceName: String? = nil) {
    let terminal = Terminal()
    terminal.error(
      terminal.renderer.render(
        diagnostic, source: source, sourceName: sourceName.map(HumanText.value)))
  }
}

struct ParseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "parse",
    abstract: "Parse one expression and print its canonical form.",
    discussion: """
      The expression is parsed strictly: the whole text must be one expression. On success \
      the canonical form (minimal parentheses, normalized spacing, re-escaped strings) is \
      printed and the exit status is 0. On a syntax error the diagnostic, with a caret under \
      the exact range, goes to standard error and the exit status is 2.

      Examples:
        constraint parse "bigint_gte(budget.limit_micro, budget.spent_micro)"
        constraint parse "state=='released'=>(released_at!=null)"
          state == 'released' => released_at != null
        constraint parse --max-depth 8 "((((a))))"
        constraint parse -- "-a + 1 > 0"     (an expression starting with `-` goes after --)
      """)

  @Argument(help: "The expression. Put it after `--` when it begins with `-`.")
  var expression: String

  @OptionGroup var limitOptions: ParseLimitOptions

  func run() throws {
    do {
      let expr = try Parser.parse(expression, limits: limitOptions.limits)
      print(Printer.print(expr))
    } catch {
      StandardError.render(error, source: expression)
      throw ExitCode(2)
    }
  }
}
