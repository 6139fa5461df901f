#!/usr/bin/env python3
"""Refreshes the command outputs shown in README.md.

A block between `<!-- run: ARGS -->` and `<!-- end -->` is replaced by a fenced block holding
`$ supernode ARGS` and what the release binary prints for it (standard error and the exit status too when
the command fails). `| head -N` or `| until TEXT` after ARGS keeps part of the output.
Usage: scripts/update-readme.py [path/to/supernode] [--only REGEX]
With --only, only blocks whose ARGS match REGEX are run again (the runtime's measured blocks vary from run
to run; refresh the model's outputs alone with --only 'predict|validate|compare').
"""
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


updated = re.sub(r"<!-- run: (.*?) -->\n.*?<!-- end -->", render, text, flags=re.S)
open("README.md", "w", encoding="utf-8").write(updated)
