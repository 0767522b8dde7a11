import ConstraintEngine

/// The evaluation workloads issue 9 sets targets for, shared by the package-benchmark suite
/// and `quick-eval` so both measure the same rules on the same snapshots.
public enum EvaluationWorkloads {
  /// The four-conjunction billing rule; its fields are digit strings declared `bigint`.
  public static let billingRule =
    "bigint_gte(limit, spent) && bigint_gte(cost, 0) && bigint_gte(allocation, reserve)"
    + " && bigint_gte(payment, cost)"
  public static let billingTypes = [
    "limit": "bigint", "spent": "bigint", "cost": "bigint", "allocation": "bigint",
    "reserve": "bigint", "payment": "bigint",
  ]
  public static let billingSnapshot = decoded(
    #"{"limit":"1000000000","spent":"250004200","cost":"4200","allocation":"10000","#
      + #""reserve":"5000","payment":"5000"}"#)

  /// Typical rules of a rule file, compiled in turn by the compile benchmarks.
  public static let typicalRules = [
    "bigint_gte(budget.limit_micro, budget.spent_micro)",
    "entitlement.state == 'ACTIVE' || entitlement.state == 'PAST_DUE'",
    "payment != null => bigint_gte(payment.amount_micro, cost_micro)",
  ]

  public static let scalarRule = "amount > 0 && amount <= 1000000"
  public static let scalarSnapshot = decoded(#"{"amount":4200,"currency":"USD"}"#)

  public static let everyRule = "items.every(item => item.quantity > 0 && item.sku != '')"
  /// 100 objects, every one passing the rule.
  public static let everySnapshot: Value = {
    let items = (0..<100).map { #"{"sku":"SKU-\#($0)","quantity":\#($0 + 1),"price":"100"}"# }
    return decoded(#"{"items":["# + items.joined(separator: ",") + "]}")
  }()

  public static let regexRule = "matches(s, '^INV-[0-9]{6}$')"
  public static let regexSnapshot = decoded(#"{"s":"INV-004200"}"#)

  /// Compiles `source` with `types` declared, or stops the run: a benchmark of a rule that
  /// does not compile is void. `usesFastPath: false` measures the general path alone.
  public static func compiled(
    _ source: String, types: [String: String] = [:], usesFastPath: Bool = true
  ) -> Program {
    var fieldTypes: FieldTypes = [:]
    for (path, declaration) in types {
      fieldTypes[FieldPath(parsing: path)!] = FieldType(declaration: declaration)
    }
    do {
      return try Compiler.compile(
        source, options: CompileOptions(types: fieldTypes, usesFastPath: usesFastPath))
    } catch {
      fatalError("benchmark rule does not compile: \(source): \(error)")
    }
  }

  /// `json` decoded, or stops the run.
  public static func decoded(_ json: String) -> Value {
    do { return try JSONReader.read(json) } catch { fatalError("bad benchmark JSON: \(error)") }
  }
}
