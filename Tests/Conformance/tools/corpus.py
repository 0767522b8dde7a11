"""Small helpers shared by the conformance-corpus generator (generate.py)."""
import json
import re

EXPECTS = {"pass", "fail", "error", "deferred"}


def N(digits):
  """A JSON number written exactly as `digits` (Python floats would round it)."""
  return f"@@NUM:{digits}@@"


def _check_floats(value):
  if isinstance(value, float):
    assert "e" not in repr(value) and len(repr(value)) < 17, f"use N() for {value!r}"
  elif isinstance(value, list):
    for item in value:
      _check_floats(item)
  elif isinstance(value, dict):
    for item in value.values():
      _check_floats(item)


class CorpusFile:
  """The cases of one `<topic>.jsonl` file; ids are `<prefix>-<group>-<NNN>`."""

  def __init__(self, name, prefix):
    self.name = name
    self.prefix = prefix
    self.cases = []
    self._group = None
    self._counters = {}

  def group(self, name):
    self._group = name
    return self

  def add(self, expr, data, expect, note=None, **extra):
    assert expect in EXPECTS, expect
    number = self._counters.get(self._group, 0) + 1
    self._counters[self._group] = number
    case = {
      "id": f"{self.prefix}-{self._group}-{number:03d}",
      "expr": expr,
      "data": data,
      "expect": expect,
    }
    for key in ("error_contains", "types", "now", "context"):
      if key in extra:
        case[key] = extra.pop(key)
    if note:
      case["note"] = note
    if extra.pop("divergence", False):
      case["divergence"] = True
    assert not extra, extra
    self.cases.append(case)
    return case["id"]

  def write(self, directory):
    with open(f"{directory}/{self.name}", "w", encoding="utf-8") as out:
      for case in self.cases:
        _check_floats(case["data"])
        line = json.dumps(case, ensure_ascii=True)
        line = re.sub(r'"@@NUM:(-?[0-9.]+)@@"', r"\1", line)
        out.write(line + "\n")
