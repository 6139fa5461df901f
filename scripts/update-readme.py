#!/usr/bin/env python3
"""Refreshes the command outputs shown in README.md, and the figures quoted in its prose and in docs/.

A block between `<!-- run: ARGS -->` and `<!-- end -->` is replaced by a fenced block holding
`$ supernode ARGS` and what the release binary prints for it (standard error and the exit status too when
the command fails). `| head -N` or `| until TEXT` after ARGS keeps part of the output.
A figure written `<!-- value: ARGS @ PATH [DECIMALS] -->TEXT<!-- /value -->` (ARGS ending in --format json,
PATH a dotted path into its JSON, list items by index) has TEXT replaced by that number with DECIMALS digits
(default 0) and thousands separators, times 100 when DECIMALS ends in % (a fraction shown as a
percentage); `@ PATH vs N` shows the signed change against N instead (value / N - 1, with DECIMALS% a
percentage). The tests check that every such figure is current.
Usage: scripts/update-readme.py [path/to/supernode] [--only REGEX]
With --only, only blocks whose ARGS match REGEX are run again (the runtime's measured blocks vary from run
to run; refresh the model's outputs alone with --only 'predict|validate|compare').
"""
from decimal import ROUND_HALF_UP, Decimal
import glob
import json
import re
import shlex
import subprocess
import sys

args = sys.argv[1:]
only = None
if "--only" in args:
    index = args.index("--only")
    if index + 1 >= len(args):
        sys.exit("--only needs a regular expression, such as 'predict|validate'")
    only = re.compile(args[index + 1])
    del args[index:index + 2]
binary = args[0] if args else ".build/release/supernode"
text = open("README.md", encoding="utf-8").read()


def render(match):
    spec = match.group(1).strip()
    if only is not None and not only.search(spec):
        return match.group(0)
    command, _, cut = spec.partition("|")
    args = shlex.split(command)
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    output = result.stdout.rstrip("\n")
    cut = cut.strip()
    if cut.startswith("head"):
        output = "\n".join(output.split("\n")[: int(cut.split()[1])]) + "\n..."
    elif cut.startswith("until"):
        marker = cut[len("until"):].strip()
        output = output.split("\n" + marker)[0] + "\n..."
    shown = "$ supernode " + command.strip()
    if result.returncode != 0:
        output = (output + "\n" if output else "") + result.stderr.rstrip("\n") + f"\n$ echo $?\n{result.returncode}"
    return f"<!-- run: {spec} -->\n```\n{shown}\n{output}\n```\n<!-- end -->"


VALUE = re.compile(r"<!-- value: (.*?) @ (\S+?)(?: vs ([\d.]+))?(?: (\d+)(%?))? -->(.*?)<!-- /value -->", re.S)
outputs = {}


def value(match):
    command, path, reference = match.group(1).strip(), match.group(2), match.group(3)
    decimals, percent = int(match.group(4) or 0), match.group(5) == "%"
    if only is not None and not only.search(command):
        return match.group(0)
    if command not in outputs:
        # validate exits 1 when a case is outside its tolerance, with its JSON all the same.
        result = subprocess.run([binary, *shlex.split(command)], capture_output=True, text=True)
        if result.returncode not in (0, 1) or not result.stdout:
            sys.exit(f"{command}: exit {result.returncode}: {result.stderr}")
        outputs[command] = json.loads(result.stdout)
    node = outputs[command]
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    # Halves round away from zero, as the tables print them (Python's own formatting rounds them to even).
    number = Decimal(str(node))
    if reference:
        number = number / Decimal(reference) - 1
    number *= 100 if percent else 1
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    shown = f"{rounded:,.{decimals}f}"
    if reference and rounded >= 0:
        shown = "+" + shown
    spec = (f" vs {reference}" if reference else "") + (f" {match.group(4)}{match.group(5)}" if match.group(4) else "")
    return f"<!-- value: {match.group(1)} @ {path}{spec} -->{shown}<!-- /value -->"


updated = re.sub(r"<!-- run: (.*?) -->\n.*?<!-- end -->", render, text, flags=re.S)
open("README.md", "w", encoding="utf-8").write(VALUE.sub(value, updated))
for doc in sorted(glob.glob("docs/*.md")):
    original = open(doc, encoding="utf-8").read()
    refreshed = VALUE.sub(value, original)
    if refreshed != original:
        open(doc, "w", encoding="utf-8").write(refreshed)
