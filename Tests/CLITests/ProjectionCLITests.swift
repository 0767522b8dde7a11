import Foundation
import Testing

/// Issue 21 through the binary: `check` and `eval` read snapshots projected (the default, and
/// with `--projection`), say so with `--verbose`, and give exactly the output of a full read
/// (`--no-projection`).
@Suite("Projected reading in check and eval")
struct ProjectionCLITests {
  /// Lines whose problems lie where the billing rules do not read, and a good line.
  static let hostileLines = [
    #"{"budget": {"limit_micro": "10", "spent_micro": "20"}, "unread": {"a": 1, "a": 2}}"#,
    #"{"unread": [1, 2,], "cost_micro": "1"}"#,
    #"{"unread": "\ud800", "cost_micro": "1"}"#,
    #"{"unread": 1e99999}"#,
    #"{"cost_micro": "-5", "unread": {"deep": [[[[{"x": null}]]]]}, "account": {"id": "acct-7"}}"#,
    #"{"cost_micro": "5", "account": {"id": 7, "other": true}} trailing"#,
    #"{"budget": {"limit_micro": "10", "spent_micro": "5", "note": "ok"}, "account": {"id": "a"}}"#,
  ]

  static func dataFile(_ scratch: CheckScratch) throws -> String {
    var lines = hostileLines
    let stream = try String(
      contentsOf: CLI.repositoryRoot.appendingPathComponent("Examples/snapshots/stream.jsonl"),
      encoding: .utf8)
    lines += stream.split(separator: "\n").map(String.init)
    return try scratch.write("mixed.jsonl", lines.joined(separator: "\n") + "\n")
  }

  @Test(
    arguments: [
      ["--format", "json", "--all"], ["--format", "jsonl", "--all", "--key-field", "account.id"],
      ["--format", "human", "--all"], ["--no-explain"], ["--jobs", "1"],
    ])
  func checkPrintsTheSameProjectedAndInFull(_ options: [String]) throws {
    let scratch = try CheckScratch()
    let data = try Self.dataFile(scratch)
    for source in [data, "Examples/snapshots/overspent.json", "Examples/snapshots/"] {
      let arguments = ["check", "Rules/", "--data", source] + options
      let projected = try CLI.run(arguments + ["--projection"])
      let full = try CLI.run(arguments + ["--no-projection"])
      #expect(projected.status == full.status)
      #expect(projected.stdout == full.stdout, "\(source) \(options)")
      #expect(projected.stderr == full.stderr)
      #expect(!projected.stdout.isEmpty)
    }
  }

  @Test func checkSaysHowItReadsWithVerbose() throws {
    let projected = try CLI.run([
      "check", "Rules/", "--data", "Examples/snapshots/overspent.json", "--verbose", "--projection",
    ])
    #expect(
      projected.stderr.contains(
        "verbose: Examples/snapshots/overspent.json: snapshots projected: 12 paths built "
          + "(_previous, budget.limit_micro, budget.spent_micro, cost_micro"))
    // The adaptive fallback is told as a rule, not as what this run did.
    #expect(
      projected.stderr.contains(
        "(while projected reads skip under a quarter of a snapshot's bytes, snapshots are read "
          + "in full instead: that costs less)"))
    let full = try CLI.run([
      "check", "Rules/", "--data", "Examples/snapshots/overspent.json", "--verbose",
      "--no-projection",
    ])
    #expect(full.stderr.contains("snapshots read in full (--no-projection)"))
    #expect(projected.stdout == full.stdout)
    // Projected by default.
    let byDefault = try CLI.run([
      "check", "Rules/", "--data", "Examples/snapshots/overspent.json", "--verbose",
    ])
    #expect(byDefault.stderr == projected.stderr)
  }

  @Test func evalPrintsTheSameProjectedAndInFull() throws {
    let scratch = try CheckScratch()
    let data = try Self.dataFile(scratch)
    let expressions = [
      "bigint_gte(budget.limit_micro, budget.spent_micro)",
      "cost_micro == '5' || unread.deep[0] == null",
      "account.id == 'a' && type_of(account) == 'object'",
    ]
    for expression in expressions {
      for explain in ["--explain", "--no-explain"] {
        let arguments = ["eval", expression, "--data", data, explain]
        let projected = try CLI.run(arguments + ["--verbose", "--projection"])
        let full = try CLI.run(arguments + ["--no-projection"])
        #expect(projected.status == full.status)
        #expect(projected.stdout == full.stdout, "\(expression)")
        #expect(projected.stderr.hasPrefix("verbose: \(data): snapshots projected: "))
      }
    }
  }

  /// Lean lines (flat digit-string fields) with the lines the slots leave to the value path.
  static let leanLines = [
    #"{"limit":"100","spent":"99","allocation":"5","reserve":"5","cost":"3","floor":"1"}"#,
    #"{"limit":"100","spent":"101","allocation":"5","reserve":"5","cost":"3","floor":"1"}"#,
    #"{"limit":"\u0031","spent":"1","allocation":"5","reserve":"5","cost":"3","floor":"1"}"#,
    #"{"limit":100,"spent":"99","allocation":"5","reserve":"6","cost":"3","floor":"1"}"#,
    #"{"limit":"1234567890123456","spent":"99","allocation":"5","reserve":"5","cost":"3"}"#,
    #"{"limit":"1","spent":"1","limit":"2"}"#,
    #"{"limit":"1","spent":"1""#,
    #"["limit"]"#,
    #"{"limit":"7","spent":"-1","allocation":"05","reserve":"5","cost":"0","floor":"00"}"#,
  ]

  @Test(
    arguments: [
      ["--no-explain"], [], ["--format", "jsonl"], ["--format", "json", "--all"],
      ["--format", "jsonl", "--key-field", "limit"], ["--jobs", "2", "--no-explain"],
    ])
  func checkPrintsTheSameDecidingLinesFromSlots(_ options: [String]) throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "lean.constraints.json",
      ruleFileText(
        schema: "Lean",
        #"{"id": "lean", "expression": "bigint_gte(limit, spent) && "#
          + #"bigint_gte(allocation, reserve) && bigint_gte(cost, floor)", "severity": "error"}"#
      ))
    let data = try scratch.write("lean.jsonl", Self.leanLines.joined(separator: "\n") + "\n")
    let arguments = ["check", rules, "--data", data] + options
    let slots = try CLI.run(arguments + ["--verbose"])
    let full = try CLI.run(arguments + ["--no-projection"])
    #expect(slots.status == full.status)
    #expect(slots.stdout == full.stdout, "\(options)")
    #expect(!slots.stdout.isEmpty)
    let said = "JSON lines decided without building values where the 6 fields compared are "
      + "plain strings"
    // A key field is read from each value: no slots then.
    #expect(slots.stderr.contains(said) == !options.contains("--key-field"))
    let eval = try CLI.run([
      "eval", "bigint_gte(limit, spent) || bigint_lt(cost, floor)", "--data", data, "--verbose",
    ])
    let evalFull = try CLI.run([
      "eval", "bigint_gte(limit, spent) || bigint_lt(cost, floor)", "--data", data,
      "--no-projection",
    ])
    #expect(eval.stdout == evalFull.stdout)
    #expect(eval.status == evalFull.status)
    #expect(eval.stderr.contains("where the 4 fields compared are plain strings"))
  }

  /// Billing-shaped lines (nested objects) for the billing rules slots decide, with lines they
  /// leave to the value path: escapes, a number, a null or missing object, a repeated key in a
  /// nested object, a long digit string, a malformed line, a failing line of each rule.
  static let nestedLines = [
    #"{"budget":{"limit_micro":"10","spent_micro":"9"},"cost_micro":"3","reservation":"#
      + #"{"reserve_micro":"1","allocation_micro":"2"},"entitlement":{"state":"ACTIVE"},"#
      + #""rate":{"reserve_rate_micro":"6","commit_rate_micro":"6"}}"#,
    #"{"budget":{"limit_micro":"10","spent_micro":"11"},"cost_micro":"3","reservation":"#
      + #"{"reserve_micro":"3","allocation_micro":"2"},"entitlement":{"state":"CLOSED"},"#
      + #""rate":{"reserve_rate_micro":"6","commit_rate_micro":"7"}}"#,
    #"{"budget":{"limit_micro":"10","spent_micro":"9"},"cost_micro":"3","reservation":"#
      + #"{"reserve_micro":"1","allocation_micro":"2"},"entitlement":{"state":"PAST_DUE"},"#
      + #""rate":{"reserve_rate_micro":"6","commit_rate_micro":"6"}}"#,
    #"{"budget":{"limit_micro":"1\u0030","spent_micro":"9"},"cost_micro":"3","entitlement":"#
      + #"{"state":"ACTIV\u0045"}}"#,
    #"{"budget":null,"cost_micro":-3,"entitlement":{"state":"ACTIVE","state":"X"}}"#,
    #"{"budget":{"limit_micro":"1234567890123456","spent_micro":"9"},"cost_micro":"-1"}"#,
    #"{"budget":{"limit_micro":"10","spent_micro":"9"},"cost_micro":"3""#,
  ]

  @Test(
    arguments: [
      ["--no-explain"], [], ["--format", "jsonl"], ["--format", "json", "--all"],
      ["--jobs", "2", "--no-explain"],
    ])
  func checkPrintsTheSameDecidingNestedLinesFromSlots(_ options: [String]) throws {
    let scratch = try CheckScratch()
    let kept = [
      "budget_conservation", "cost_non_negative", "reserve_within_allocation",
      "entitlement_valid", "rate_consistency",
    ]
    let billing = try JSONSerialization.jsonObject(
      with: Data(contentsOf: CLI.repositoryRoot.appendingPathComponent(
        "Rules/billing.constraints.json"))) as! [String: Any]
    var file = billing
    file["constraints"] = (billing["constraints"] as! [[String: Any]]).filter {
      kept.contains($0["id"] as! String)
    }
    let rules = try scratch.write(
      "billing5.constraints.json",
      String(decoding: try JSONSerialization.data(withJSONObject: file), as: UTF8.self))
    let data = try scratch.write("nested.jsonl", Self.nestedLines.joined(separator: "\n") + "\n")
    let arguments = ["check", rules, "--data", data] + options
    let slots = try CLI.run(arguments + ["--verbose"])
    let full = try CLI.run(arguments + ["--no-projection"])
    #expect(slots.status == full.status)
    #expect(slots.status == 2)
    #expect(slots.stdout == full.stdout, "\(options)")
    #expect(!slots.stdout.isEmpty)
    #expect(
      slots.stderr.contains(
        "JSON lines decided without building values where the 8 fields compared are plain "
          + "strings"))
  }

  /// A billing line as the benchmark generator writes it, and variants: each of the last three
  /// billing rules failing (a posting's amount out of format, postings that do not balance, a
  /// finalized entry reopened), and lines the slots leave to the value path (an escaped key
  /// in a posting, a posting that is not an object, an escaped amount, a sum past 64 bits).
  static let billingLine =
    #"{"account_id":"acct_000001","operation":"commit","budget":{"limit_micro":"4615034474","#
    + #""spent_micro":"922268802"},"reservation":{"reservation_id":"rsv_1","reserve_micro":"#
    + #""1033","allocation_micro":"9346"},"cost_micro":"25373","payment":null,"entitlement":"#
    + #"{"state":"ACTIVE","plan":"pro"},"rate":{"reserve_rate_micro":"6","commit_rate_micro":"#
    + #""6"},"ledger":{"postings":[{"account":"customer:acct_000001","amount_micro":"-25373"},"#
    + #"{"account":"revenue:usage","amount_micro":"25373"}]},"entry":{"entry_id":"le_1","#
    + #""state":"finalized"},"_previous":{"budget":{"limit_micro":"4615034474","spent_micro":"#
    + #""922243429"},"entry":{"entry_id":"le_1","state":"open"}}}"#

  static var billingLines: [String] {
    let line = billingLine
    return [
      line,
      line.replacingOccurrences(of: #""-25373""#, with: #""-025373""#),
      line.replacingOccurrences(of: #""25373"}]"#, with: #""25374"}]"#),
      line.replacingOccurrences(of: #""finalized"},"_previous""#, with: #""open"},"_previous""#)
        .replacingOccurrences(of: #""state":"open"}}}"#, with: #""state":"finalized"}}}"#),
      line.replacingOccurrences(of: #","_previous":{"#, with: #","_prev":{"#),
      line.replacingOccurrences(
        of: #"{"account":"revenue:usage","#, with: #"{"acc\u006funt":"r","#),
      line.replacingOccurrences(of: #"]},"entry""#, with: #",7]},"entry""#),
      line.replacingOccurrences(
        of: #""amount_micro":"25373""#, with: #""amount_micro":"2537\u0033""#),
      line.replacingOccurrences(of: #""-25373""#, with: #""999999999999999999""#)
        .replacingOccurrences(of: #""25373"}]"#, with: #""999999999999999999"},"#
          + Array(repeating: #"{"amount_micro":"999999999999999999"}"#, count: 9)
          .joined(separator: ",") + "]"),
    ]
  }

  @Test(
    arguments: [
      ["--no-explain"], [], ["--format", "jsonl", "--all"], ["--jobs", "2", "--no-explain"],
    ])
  func checkPrintsTheSameDecidingBillingLinesFromSlots(_ options: [String]) throws {
    let scratch = try CheckScratch()
    let data = try scratch.write("billing.jsonl", Self.billingLines.joined(separator: "\n") + "\n")
    let arguments = ["check", "Rules/billing.constraints.json", "--data", data] + options
    let slots = try CLI.run(arguments + ["--verbose"])
    let full = try CLI.run(arguments + ["--no-projection"])
    #expect(slots.status == full.status)
    #expect(slots.status == 1)
    #expect(slots.stdout == full.stdout, "\(options)")
    for rule in ["micro_usd_format", "ledger_postings_balanced", "finalized_never_reopened"] {
      #expect(slots.stdout.contains(rule), "\(rule) fails on a line")
    }
    #expect(
      slots.stderr.contains(
        "JSON lines decided without building values where the 15 fields compared are plain "
          + "strings (of 1 to 15 digits where compared as bigints), the arrays walked hold "
          + "objects without escaped keys"))
  }
}
