#!/usr/bin/env python3
"""libberth.so exports the public API, all of it and nothing else.

    exports.py LIBBERTH_SO LIBBERTH_A INCLUDE_DIR

Both directions are checked against the public headers (INCLUDE_DIR/berth):
- every exported symbol is berth's own, inside a namespace or class those
  headers define, and named there: no helper of the library's, no instance
  of a std::, nlohmann, yaml-cpp or Boost template;
- every function the library defines (a strong definition in the static
  archive, which holds the same objects) inside the headers' namespaces and
  classes, under a name the headers declare, is exported: a declaration
  whose BERTH_API was forgotten would fail to link in a program using it.
"""

import pathlib
import re
import subprocess
import sys

BERTH_PREFIX = re.compile(r"^_Z(?:N[KRO]*|T[ISV]N)5berth")
VAGUE_PREFIXES = ("typeinfo name for ", "typeinfo for ", "vtable for ")


def symbols(arguments):
    """(type letter, mangled name) of each defined symbol nm lists."""
    out = subprocess.run(["nm", "--defined-only", *arguments], check=True,
                         capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3:
            found.append((fields[1], fields[2]))
    return found


def demangle(names):
    out = subprocess.run(["c++filt"], input="\n".join(names), check=True,
                         capture_output=True, text=True).stdout
    return dict(zip(names, out.splitlines()))


def qualified_parts(demangled):
    """berth::compose::Diagnostic::to_string[abi:cxx11]() const →
    [berth, compose, Diagnostic, to_string]."""
    for prefix in VAGUE_PREFIXES:
        if demangled.startswith(prefix):
            demangled = demangled[len(prefix):]
    depth = 0
    for position, character in enumerate(demangled):
        if character in "<(":
            if character == "(" and depth == 0:
                demangled = demangled[:position]
                break
            depth += 1
        elif character in ">)":
            depth -= 1
    demangled = re.sub(r"\[abi:[^\]]*\]", "", demangled)
    return demangled.split("::")


def header_vocabulary(include_dir):
    """The namespaces and classes the public headers define (with a body),
    and every identifier they declare as a function or type."""
    scopes, names = set(), set()
    for header in pathlib.Path(include_dir, "berth").rglob("*.hpp"):
        text = header.read_text()
        for match in re.finditer(r"\bnamespace\s+([\w:]+)\s*\{", text):
            scopes.update(match.group(1).split("::"))
        for match in re.finditer(r"\b(?:class|struct)\s+(?:BERTH_API\s+)?(\w+)[^;{()]*\{", text):
            scopes.add(match.group(1))
            names.add(match.group(1))
        for match in re.finditer(r"(~?\b\w+|operator\S+)\s*\(", text):
            names.add(match.group(1).lstrip("~"))
        # Inherited constructors (using std::runtime_error::runtime_error;),
        # which an unoptimised build emits as functions of their own.
        for match in re.finditer(r"\busing\s+[\w:]+::(\w+)\s*;", text):
            names.add(match.group(1))
    return scopes, names


def public(parts, scopes, names):
    return all(part in scopes for part in parts[:-1]) and parts[-1].lstrip("~") in names


def main(shared_library, static_library, include_dir):
    scopes, names = header_vocabulary(include_dir)
    exported = {name for _, name in symbols(["-D", shared_library])}
    defined = {name for kind, name in symbols([static_library])
               if kind in "TDBR" and BERTH_PREFIX.match(name)}
    readable = demangle(sorted(exported | defined))
    problems = []
    for name in sorted(exported):
        if not BERTH_PREFIX.match(name):
            problems.append(f"exported, not berth's: {readable[name]}")
        elif not public(qualified_parts(readable[name]), scopes, names):
            problems.append(f"exported, not declared in the public headers: {readable[name]}")
    for name in sorted(defined - exported):
        if public(qualified_parts(readable[name]), scopes, names):
            problems.append(f"declared in the public headers, not exported (BERTH_API?): "
                            f"{readable[name]}")
    for problem in problems:
        print(problem)
    public_definitions = sum(1 for name in defined
                             if public(qualified_parts(readable[name]), scopes, names))
    print(f"{len(exported)} symbols exported; {public_definitions} of the "
          f"{len(defined)} strong definitions in berth's namespaces are public API")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
