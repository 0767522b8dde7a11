"""Runs the benchmark workloads on peer CEL engines and prints one JSON object of results.

Usage: run_peers.py [--jsonl FILE] [--e2e-bytes N] [--engines a,b,c] [--quick]

Each engine is driven the way a user would: compile once, evaluate per snapshot. Times are
medians over repeated batches (nanoseconds per operation); end to end is read lines,
json.loads, evaluate all ten billing rules, MB/s.
"""

import argparse
import json
import statistics
import sys
import time

from billing_cel import RULES, VARIABLES, sum_ints

BILLING4 = ("int(limit) >= int(spent) && int(cost) >= 0 && int(allocation) >= int(reserve)"
            " && int(payment) >= int(cost)")
BILLING4_DATA = {"limit": "1000000000", "spent": "250004200", "cost": "4200",
                 "allocation": "10000", "reserve": "5000", "payment": "5000"}
SCALAR = "amount > 0 && amount <= 1000000"
SCALAR_DATA = {"amount": 4200, "currency": "USD"}
EVERY = "items.all(item, item.quantity > 0 && item.sku != '')"
EVERY_DATA = {"items": [{"sku": f"SKU-{i}", "quantity": i + 1, "price": "100"}
                        for i in range(100)]}
REGEX = "s.matches('^INV-[0-9]{6}$')"
REGEX_DATA = {"s": "INV-004200"}
TYPICAL = [RULES["budget_conservation"], RULES["entitlement_valid"],
           RULES["x402_payment_conservation"]]


class RustCEL:
    """common-expression-language: CEL in Rust (cel-rust) with Python bindings."""
    name = "cel-rust (common-expression-language)"

    def __init__(self):
        import cel
        self.cel = cel

    def compile(self, source):
        return self.cel.compile(source)

    def evaluator(self, source, variables):
        program = self.cel.compile(source)
        return lambda data: program.execute(data)

    def ruleset(self):
        programs = [self.cel.compile(rule) for rule in RULES.values()]
        cel = self.cel

        def check(snapshot):
            context = cel.Context(snapshot)
            context.add_function("sum_ints", sum_ints)
            return [program.execute(context) for program in programs]
        return check


class CppCEL:
    """cel-expr-python: Google's CEL C++ runtime with Python bindings."""
    name = "cel-cpp (cel-expr-python)"

    def __init__(self):
        import cel_expr_python.cel as cx
        self.cx = cx
        # Created once, as a user would: every variable any workload names.
        self.compile_env = self.env(VARIABLES + list(BILLING4_DATA) + ["amount", "items", "s"])

    def env(self, variables):
        cx = self.cx
        declaration = cx.FunctionDecl("sum_ints", [cx.Overload(
            "sum_ints_list", cx.Type.INT, [cx.Type.List(cx.Type.DYN)], impl=sum_ints)])
        return cx.NewEnv(variables={name: cx.Type.DYN for name in variables},
                         functions=[declaration])

    def compile(self, source):
        return self.compile_env.compile(source)

    def evaluator(self, source, variables):
        expression = self.env(variables).compile(source)
        return lambda data: expression.eval(data=data).value()

    def ruleset(self):
        environment = self.env(VARIABLES)
        expressions = [environment.compile(rule) for rule in RULES.values()]

        def check(snapshot):
            activation = environment.Activation(snapshot)
            return [expression.eval(activation).value() for expression in expressions]
        return check


class PythonCEL:
    """cel-python: CEL in pure Python."""
    name = "cel-python (pure Python)"

    def __init__(self):
        import celpy
        self.celpy = celpy
        self.environment = celpy.Environment()

    def compile(self, source):
        return self.environment.program(self.environment.compile(source))

    def evaluator(self, source, variables):
        runner = self.environment.program(self.environment.compile(source))
        convert = self.celpy.json_to_cel
        return lambda data: runner.evaluate(convert(data))

    def ruleset(self):
        celpy = self.celpy
        total = lambda items: celpy.celtypes.IntType(sum_ints(items))
        runners = [self.environment.program(self.environment.compile(rule),
                                            functions={"sum_ints": total})
                   for rule in RULES.values()]

        def check(snapshot):
            activation = celpy.json_to_cel(snapshot)
            return [runner.evaluate(activation) for runner in runners]
        return check


ENGINES = {"rust": RustCEL, "cpp": CppCEL, "python": PythonCEL}


def median_ns(operation, budget_seconds):
    """Median nanoseconds per call over batches sized to ~10 ms each."""
    operation()
    batch = 1
    while True:
        start = time.perf_counter_ns()
        for _ in range(batch):
            operation()
        elapsed = time.perf_counter_ns() - start
        if elapsed > 10_000_000 or batch >= 1 << 20:
            break
        batch *= 2
    samples = []
    deadline = time.perf_counter() + budget_seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        start = time.perf_counter_ns()
        for _ in range(batch):
            operation()
        samples.append((time.perf_counter_ns() - start) / batch)
    return statistics.median(samples)


def expect(value, wanted, what):
    if bool(value) != wanted:
        raise SystemExit(f"{what}: expected {wanted}, got {value!r}")


def run_engine(engine, jsonl, e2e_bytes, budget):
    results = {}
    for name, source, data in [("evaluate: scalar rule", SCALAR, SCALAR_DATA),
                               ("evaluate: four-conjunction billing rule", BILLING4,
                                BILLING4_DATA),
                               ("evaluate: .every over 100 objects", EVERY, EVERY_DATA),
                               ("evaluate: matches(s, '^INV-[0-9]{6}$')", REGEX, REGEX_DATA)]:
        evaluate = engine.evaluator(source, list(data))
        expect(evaluate(data), True, f"{engine.name} {name}")
        results[name] = median_ns(lambda: evaluate(data), budget)
    index = [0]

    def compile_typical():
        engine.compile(TYPICAL[index[0] % len(TYPICAL)])
        index[0] += 1
    results["compile: typical rule (lex+parse+check+compile)"] = median_ns(compile_typical,
                                                                           budget)
    results["compile: four-conjunction billing rule"] = median_ns(
        lambda: engine.compile(BILLING4), budget)

    with open(jsonl, "rb") as handle:
        head = handle.read(1 << 20)
    lines = head[:head.rfind(b"\n") + 1].splitlines()
    snapshots = [json.loads(line) for line in lines]
    check = engine.ruleset()
    checked = [check(snapshot) for snapshot in snapshots]
    failing = sum(1 for outcome in checked if not all(outcome))
    position = [0]

    def check_one():
        check(snapshots[position[0] % len(snapshots)])
        position[0] += 1
    results["check: billing rule set (10 rules), one decoded snapshot"] = median_ns(
        check_one, budget)
    results["_failing_in_first_MiB"] = failing
    results["_snapshots_in_first_MiB"] = len(snapshots)

    consumed = 0
    count = 0
    failing = 0
    start = time.perf_counter()
    with open(jsonl, "rb") as handle:
        for line in handle:
            consumed += len(line)
            count += 1
            if not all(check(json.loads(line))):
                failing += 1
            if consumed >= e2e_bytes:
                break
    seconds = time.perf_counter() - start
    results["e2e: read + json.loads + 10 rules, MB/s"] = consumed / seconds / 1e6
    results["_e2e_snapshots"] = count
    results["_e2e_failing"] = failing
    return results


def decode_rate(jsonl, budget):
    with open(jsonl, "rb") as handle:
        head = handle.read(1 << 20)
    data = head[:head.rfind(b"\n") + 1]
    lines = data.splitlines()
    nanoseconds = median_ns(lambda: [json.loads(line) for line in lines], budget)
    return len(data) / (nanoseconds / 1e9) / 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jsonl", required=True)
    parser.add_argument("--e2e-bytes", type=int, default=8 << 20)
    parser.add_argument("--engines", default="rust,cpp,python")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per measurement")
    arguments = parser.parse_args()
    report = {"python": sys.version.split()[0],
              "decode: json.loads, MB/s": decode_rate(arguments.jsonl, arguments.budget),
              "engines": {}}
    for key in arguments.engines.split(","):
        engine = ENGINES[key]()
        e2e_bytes = arguments.e2e_bytes if key != "python" else min(arguments.e2e_bytes, 128 << 10)
        print(f"running {engine.name}", file=sys.stderr)
        report["engines"][engine.name] = run_engine(engine, arguments.jsonl, e2e_bytes,
                                                    arguments.budget)
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
