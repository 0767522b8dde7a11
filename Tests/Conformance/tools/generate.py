#!/usr/bin/env python3
"""Regenerates Tests/Conformance/*.jsonl. Run from anywhere: python3 generate.py"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen_builtins  # noqa: E402
import gen_families  # noqa: E402
import gen_language  # noqa: E402


def main():
  out = os.path.dirname(HERE)
  for make in gen_language.ALL + gen_builtins.ALL + gen_families.ALL:
    corpus = make()
    corpus.write(out)
    print(f"{corpus.name}: {len(corpus.cases)}")


if __name__ == "__main__":
  main()
