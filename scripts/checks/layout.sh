#!/usr/bin/env bash
# The size rules of docs/layout.md, checked on the source tree:
# - no file under crates/*/src over 800 lines;
# - the model crate depends on no async runtime, HTTP client, server, object
#   store or Kubernetes client (`cargo tree -p cvefeed-model -e normal`);
# - no function body over 120 lines, unless the line before the function
#   (or before its doc comment and attributes) is `// layout: table`;
# - every module under crates/*/src is named on docs/layout.md.
# LAYOUT_STRICT=0 makes the function rule report only (exit 0 with the
# list), for a look at work in progress; the other rules always fail.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
max_file_lines=800
max_fn_lines=120
failed=0

# Files over the limit.
while IFS= read -r -d '' file; do
  lines=$(wc -l <"$file")
  if [ "$lines" -gt "$max_file_lines" ]; then
    echo "layout: $file has $lines lines (at most $max_file_lines)"
    failed=1
  fi
done < <(find crates/*/src -name '*.rs' -print0 | sort -z)

# Every module named on the layout page: as its path (`check/source.rs`,
# `check/mod.rs`) or its name (`check`, `source.rs`) in backquotes.
while IFS= read -r file; do
  rel=${file#crates/*/src/}
  name=${rel%.rs}
  name=${name%/mod}
  if ! grep -qF -e "$rel" -e "\`$name\`" -e "\`${name##*/}.rs\`" docs/layout.md; then
    echo "layout: docs/layout.md does not name $file (add a row: what it owns, what it must not touch)"
    failed=1
  fi
done < <(find crates/*/src -name '*.rs' | sort)

# The model's normal dependencies.
command -v cargo >/dev/null || cannot_run layout "the model crate's dependencies" "no cargo on PATH"
tree=$(cargo tree --locked --offline -p cvefeed-model -e normal --prefix none) || {
  echo "layout: cargo tree -p cvefeed-model failed"
  exit 1
}
forbidden=$(printf '%s\n' "$tree" | grep -E '^(tokio|reqwest|hyper|axum|object_store|kube) v' | sort -u || true)
if [ -n "$forbidden" ]; then
  echo "layout: cvefeed-model depends on I/O crates (it must stay pure):"
  printf '  %s\n' "$forbidden"
  failed=1
fi

# Long functions: a small Rust lexer (comments, strings, raw strings, char
# literals) that counts braces from each `fn` to the end of its body.
scan=$(cat <<'PY'
import re
import sys

limit = int(sys.argv[1])
FN = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")
MARKER = "// layout: table"


def code_only(text):
    """The text with comments, strings and char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find('"' + m.group(1), m.end())
            j = n if end < 0 else end + 1 + len(m.group(1))
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i : j + 1]))
            i = j + 1
        elif c == "'" and (m := re.compile(r"'(\\.[^']*|[^\\'])'").match(text, i)):
            out.append(" " * (m.end() - i))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def marked(lines, index):
    """Whether the marker stands above line `index`, over docs and attributes."""
    k = index - 1
    while k >= 0:
        line = lines[k].strip()
        if line == MARKER:
            return True
        if line.startswith(("///", "#[", "//")):
            k -= 1
            continue
        return False
    return False


for path in sys.argv[2:]:
    source = open(path, encoding="utf-8").read()
    code = code_only(source)
    lines = source.split("\n")
    starts = [0]
    for k, ch in enumerate(code):
        if ch == "\n":
            starts.append(k + 1)

    def line_of(offset):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    for m in FN.finditer(code):
        j = m.end()
        # The body begins at the first `{` outside parentheses and angle
        # brackets' reach; a `;` first means a declaration without a body.
        depth = 0
        while j < len(code):
            ch = code[j]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif depth == 0 and ch in "{;":
                break
            j += 1
        if j >= len(code) or code[j] == ";":
            continue
        braces, k = 0, j
        while k < len(code):
            if code[k] == "{":
                braces += 1
            elif code[k] == "}":
                braces -= 1
                if braces == 0:
                    break
            k += 1
        first, last = line_of(m.start()), line_of(k)
        length = last - first + 1
        if length > limit and not marked(lines, first):
            print(f"{path}:{first + 1}: fn {m.group(1)} has {length} lines")
PY
)
long_fns=$(find crates/*/src -name '*.rs' -print0 | sort -z | xargs -0 python3 -c "$scan" "$max_fn_lines") ||
  { echo "layout: the function scan failed"; exit 1; }
if [ -n "$long_fns" ]; then
  echo "layout: functions over $max_fn_lines lines (mark a table with '// layout: table' above it):"
  printf '%s\n' "$long_fns" | sed 's/^/  /'
  if [ "${LAYOUT_STRICT:-1}" = 1 ]; then
    failed=1
  else
    echo "layout: (report only: LAYOUT_STRICT=0)"
  fi
fi

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "layout: ok"
