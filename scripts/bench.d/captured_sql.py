#!/usr/bin/env python3
"""The SQL of one request (a catalogue search, an RFQ's matching), taken from the PostgreSQL
log, for scripts/bench.

Usage:
  captured_sql.py capture LOG START END OUT_PREFIX
      The read-only transaction one request ran (the log between byte offsets START and END,
      written with log_min_duration_statement = 0 and log_line_prefix '%m [%p] '), with its
      parameters substituted, as:
        OUT_PREFIX.sql          a pgbench script: BEGIN READ ONLY … COMMIT, one statement a line
        OUT_PREFIX.explain.sql  a psql script: EXPLAIN (ANALYZE, BUFFERS) of each statement
                                of the request, inside the same read-only transaction settings
        OUT_PREFIX.json         [{"kind", "sql"}] of the statements
      Fails when the slice holds no complete read-only transaction.
  captured_sql.py explain-summary EXPLAIN_OUTPUT
      One JSON object: {"statements": [{"kind", "ms", "seq_scan_listings"}], "total_ms",
      "seq_scan_listings"} from the output of psql -f OUT_PREFIX.explain.sql.
"""
import json
import re
import sys

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\w+):  (.*)$")
STATEMENT = re.compile(r"^(?:duration: [\d.]+ ms  )?(?:statement|execute [^:]*): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")
PLACEHOLDER = re.compile(r"\$(\d+)")


def entries(text):
    """(pid, level, message) of each log entry, continuation lines joined."""
    out = []
    for raw in text.split("\n"):
        m = LINE.match(raw)
        if m:
            out.append([m.group(1), m.group(2), m.group(3)])
        elif out and raw.startswith("\t"):
            out[-1][2] += "\n" + raw[1:]
    return out


LITERAL = re.compile(r"(?<![A-Za-z0-9_])'((?:[^']|'')*)'")
PGBENCH_VARIABLE = re.compile(r":(?=[A-Za-z_])")


def for_pgbench(sql):
    """`sql` with every string literal that holds a ":name" (which pgbench would take for a
    variable, even inside quotes) written as the same E'' string with the colon escaped."""
    def escape(m):
        body = m.group(1)
        if not PGBENCH_VARIABLE.search(body):
            return m.group(0)
        return "E'" + PGBENCH_VARIABLE.sub(r"\\x3a", body.replace("\\", "\\\\")) + "'"
    return LITERAL.sub(escape, sql)


def capture(log, start, end, prefix):
    with open(log, "rb") as f:
        f.seek(int(start))
        text = f.read(int(end) - int(start)).decode("utf-8", "replace")
    by_pid = {}
    pending = {}
    for pid, level, msg in entries(text):
        if level == "LOG":
            m = STATEMENT.match(msg)
            if not m:
                continue
            sql = m.group(1).strip()
            by_pid.setdefault(pid, []).append(sql)
            pending[pid] = len(by_pid[pid]) - 1
        elif level == "DETAIL" and msg.startswith("parameters: ") and pid in pending:
            params = {int(k): v for k, v in PARAM.findall(msg)}
            i = pending.pop(pid)
            by_pid[pid][i] = PLACEHOLDER.sub(
                lambda p: params.get(int(p.group(1)), p.group(0)), by_pid[pid][i])
    txn = None
    for stmts in by_pid.values():
        for i, s in enumerate(stmts):
            if s.upper().startswith("BEGIN") and "READ ONLY" in s.upper():
                for j in range(i + 1, len(stmts)):
                    if stmts[j].upper() in ("COMMIT", "ROLLBACK"):
                        txn = stmts[i:j + 1]
                        break
            if txn:
                break
        if txn:
            break
    if not txn:
        sys.exit(f"no read-only transaction in {log} [{start}, {end})")
    stmts = []
    listing_queries = 0
    for s in txn[1:-1]:
        one = " ".join(s.split())
        if one.startswith("SELECT set_config("):
            kind = "settings"
        elif one.startswith("SELECT u.word"):
            kind = "corrections"
        elif "tsvector_to_array(" in one:
            kind = "words"
        elif " AS source " in one:
            kind = "candidates"
        elif "quote_literal(w)" in one:
            kind = "text"
        elif "FROM rfq_leads" in one:
            kind = "responsiveness"
        elif 'INNER JOIN "sellers"' in one or 'FROM "listings" WHERE' in one:
            kind = "load"
        elif 'FROM "sellers" WHERE' in one:
            kind = "load_sellers"
        elif "FROM listings l" in one:
            listing_queries += 1
            kind = "hits" if listing_queries == 1 else "facets"
        else:
            kind = "other"
        stmts.append({"kind": kind, "sql": one})
    with open(prefix + ".json", "w", encoding="utf-8") as f:
        json.dump(stmts, f, indent=1)
    with open(prefix + ".sql", "w", encoding="utf-8") as f:
        f.write("BEGIN READ ONLY;\n")
        for s in stmts:
            f.write(for_pgbench(s["sql"]).rstrip(";") + ";\n")
        f.write("COMMIT;\n")
    settings = next((s["sql"] for s in stmts if s["kind"] == "settings"), None)
    with open(prefix + ".explain.sql", "w", encoding="utf-8") as f:
        f.write("BEGIN READ ONLY;\n")
        if settings:
            f.write(settings.rstrip(";") + " \\g /dev/null\n")
        for s in stmts:
            if s["kind"] == "settings":
                continue
            f.write(f"\\echo BENCHSTMT: {s['kind']}\n")
            f.write("EXPLAIN (ANALYZE, BUFFERS) " + s["sql"].rstrip(";") + ";\n")
        f.write("ROLLBACK;\n")


def explain_summary(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for block in re.split(r"^BENCHSTMT: ", text, flags=re.M)[1:]:
        kind = block.split("\n", 1)[0].strip()
        m = re.search(r"Execution Time: ([\d.]+) ms", block)
        out.append({"kind": kind, "ms": float(m.group(1)) if m else None,
                    "seq_scan_listings": bool(re.search(r"Seq Scan on listings\b", block))})
    print(json.dumps({"statements": out,
                      "total_ms": round(sum(s["ms"] or 0 for s in out), 3),
                      "seq_scan_listings": any(s["seq_scan_listings"] for s in out)}))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "capture":
        capture(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "explain-summary":
        explain_summary(sys.argv[2])
    else:
        sys.exit(__doc__)
