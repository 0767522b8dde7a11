/// Deterministic billing snapshots in the shape of `docs/SNAPSHOT.md`, for benchmarks and for
/// the peers' workloads. The same seed always gives the same bytes.
public struct BillingGenerator {
  private var state: UInt64
  private var index = 0
  /// One snapshot in `violationPeriod` breaks one rule (chosen in turn).
  public let violationPeriod: Int

  public init(seed: UInt64 = 0x5EED_B111, violationPeriod: Int = 50) {
    state = seed
    self.violationPeriod = violationPeriod
  }

  /// SplitMix64.
  private mutating func nextRandom() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  private mutating func random(below bound: UInt64) -> UInt64 {
    nextRandom() % bound
  }

  /// The next snapshot as one line of JSON (without the newline).
  public mutating func nextLine() -> String {
    index += 1
    let account = "acct_\(pad(index % 1000, 6))"
    let operations = ["reserve", "commit", "payment"]
    let operation = operations[Int(random(below: 3))]
    let limit = 1_000_000_000 + random(below: 9_000_000_000)
    let cost = random(below: 100_000)
    let spent = cost + random(below: limit - cost)
    let previousSpent = spent - cost
    let reserve = random(below: 10_000)
    let allocation = reserve + random(below: 10_000)
    let rate = 1 + random(below: 50)
    let state = random(below: 10) == 0 ? "PAST_DUE" : "ACTIVE"
    let previousEntry = random(below: 4) == 0 ? "finalized" : "open"
    var fields = Fields(
      limit: "\(limit)", spent: "\(spent)", cost: "\(cost)", reserve: "\(reserve)",
      allocation: "\(allocation)", commitRate: "\(rate)", reserveRate: "\(rate)",
      state: state, entry: "finalized",
      previousEntry: previousEntry, previousSpent: "\(previousSpent)",
      payment: operation == "payment" ? "\(cost + random(below: 1000))" : nil,
      postings: ["-\(cost)", "\(cost)"])
    if cost == 0 { fields.postings = ["0", "0"] }
    if index % violationPeriod == 0 { breakRule(index / violationPeriod, in: &fields) }
    return render(fields, account: account, operation: operation)
  }

  private struct Fields {
    var limit, spent, cost, reserve, allocation, commitRate, reserveRate: String
    var state, entry, previousEntry, previousSpent: String
    var payment: String?
    var postings: [String]
  }

  private func breakRule(_ turn: Int, in fields: inout Fields) {
    switch turn % 9 {
    case 0: fields.spent = "\(UInt64(fields.limit)! + 1)"
    case 1: fields.cost = "-\(fields.cost == "0" ? "1" : fields.cost)"
    case 2: fields.reserve = "\(UInt64(fields.allocation)! + 1)"
    case 3: fields.state = "SUSPENDED"
    case 4: fields.commitRate = "\(UInt64(fields.reserveRate)! + 1)"
    case 5: fields.reserve = "0\(fields.reserve)"
    case 6: fields.payment = "0"; fields.cost = "\(UInt64(fields.cost)! + 1)"
    case 7: fields.postings = ["-1", "2"]
    default: fields.previousSpent = "\(UInt64(fields.spent)! + 1)"
    }
  }

  private func render(_ f: Fields, account: String, operation: String) -> String {
    let payment = f.payment.map { "{\"payment_id\":\"pay_\(index)\",\"amount_micro\":\"\($0)\"}" }
    return "{\"account_id\":\"\(account)\",\"operation\":\"\(operation)\","
      + "\"budget\":{\"limit_micro\":\"\(f.limit)\",\"spent_micro\":\"\(f.spent)\"},"
      + "\"reservation\":{\"reservation_id\":\"rsv_\(index)\",\"reserve_micro\":\"\(f.reserve)\","
      + "\"allocation_micro\":\"\(f.allocation)\"},"
      + "\"cost_micro\":\"\(f.cost)\",\"payment\":\(payment ?? "null"),"
      + "\"entitlement\":{\"state\":\"\(f.state)\",\"plan\":\"pro\"},"
      + "\"rate\":{\"reserve_rate_micro\":\"\(f.reserveRate)\","
      + "\"commit_rate_micro\":\"\(f.commitRate)\"},"
      + "\"ledger\":{\"postings\":[{\"account\":\"customer:\(account)\","
      + "\"amount_micro\":\"\(f.postings[0])\"},"
      + "{\"account\":\"revenue:usage\",\"amount_micro\":\"\(f.postings[1])\"}]},"
      + "\"entry\":{\"entry_id\":\"le_\(index)\",\"state\":\"\(f.entry)\"},"
      + "\"_previous\":{\"budget\":{\"limit_micro\":\"\(f.limit)\","
      + "\"spent_micro\":\"\(f.previousSpent)\"},"
      + "\"entry\":{\"entry_id\":\"le_\(index)\",\"state\":\"\(f.previousEntry)\"}}}"
  }

  private func pad(_ number: Int, _ width: Int) -> String {
    let digits = String(number)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }

  /// Whole lines, newline-terminated, until at least `byteCount` bytes.
  public mutating func jsonl(atLeast byteCount: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(byteCount + 1024)
    while bytes.count < byteCount {
      bytes.append(contentsOf: nextLine().utf8)
      bytes.append(UInt8(ascii: "\n"))
    }
    return bytes
  }
}
