"""The benchmark driver behind bench/run: generates the stores, times each command
over repeated runs (after a warm-up run, so every side reads from the page cache),
and writes bench/RESULTS.md with the ratios."""
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOC2 = os.path.join(ROOT, "target/release/soc2")
GEN = os.path.join(ROOT, "target/release/examples/gen-store")
FLOOR = os.path.join(ROOT, "target/release/examples/read-parse")
PYLOAD = os.path.join(ROOT, "bench/load_pyyaml.py")
TODAY = "2026-11-22"

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SOC2_"))}
ENV.update(
    GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
    GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com",
    SOC2_TODAY=TODAY, NO_COLOR="1",
)


def run(cmd, cwd):
    """Runs a command; returns (seconds, peak resident memory in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    # check exits 1 when the gate fails, which these synthetic stores do by design.
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed ({proc.returncode}):\n{stderr}")
    return seconds, usage.ru_maxrss / 1024


def measure(cmd, cwd, runs, prepare=None):
    """Median and spread of `runs` timed runs after one warm-up run."""
    times, peak = [], 0.0
    for i in range(runs + 1):
        if prepare:
            prepare(i)
        seconds, rss = run(cmd(i) if callable(cmd) else cmd, cwd)
        if i > 0:
            times.append(seconds)
            peak = max(peak, rss)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": runs, "peak_mb": peak}


def generate(base, name, controls, policies, evidence, commits):
    path = os.path.join(base, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    print(f"generating {name}: {controls} controls, {evidence} evidence records, {commits} commits", flush=True)
    subprocess.run([GEN, "--controls", str(controls), "--policies", str(policies), "--evidence", str(evidence),
                    "--commits", str(commits), path], check=True, stdout=subprocess.DEVNULL)
    # A repository in use is packed (git gc runs on its own); so is this one.
    subprocess.run(["git", "repack", "-a", "-d", "-q"], cwd=path, check=True, env=ENV)
    subprocess.run(["git", "prune"], cwd=path, check=True, env=ENV)
    return path


def fmt(m):
    return f"{m['median'] * 1000:.0f} ms"


def main():
    quick = "--quick" in sys.argv
    base = os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="soc2-bench-")
    os.makedirs(base, exist_ok=True)
    sizes = [("small", 100, 10, 5000, 1000)]
    if not quick:
        sizes.append(("large", 1000, 100, 100000, 10000))
    rows = []  # (size, what, soc2, baseline name, baseline, ratio, target)

    def compare(size, what, ours, name, theirs, target):
        ratio = ours["median"] / theirs["median"]
        rows.append((size, what, ours, name, theirs, ratio, target))
        print(f"  {size:<6} {what:<26} {fmt(ours):>9} vs {name:<28} {fmt(theirs):>9}  = {ratio:.2f}x  (target {target})", flush=True)

    stores = {}
    for size, controls, policies, evidence, commits in sizes:
        store = generate(base, size, controls, policies, evidence, commits)
        stores[size] = store
        runs = 5
        floor = measure([FLOOR, "."], store, runs)
        py = measure([sys.executable, PYLOAD, "."], store, 1 if size == "large" else 3)
        for command in ["status", "check"]:
            ours = measure([SOC2, command, "--format", "json"], store, runs)
            compare(size, f"soc2 {command}", ours, "read+parse floor (1 thread)", floor, "<= 1.0x")
            compare(size, f"soc2 {command}", ours, "PyYAML safe_load script", py, "<= 0.05x (20x faster)")
            if command == "status":
                status = ours
            if size == "large" and command == "status":
                stores["status_peak_mb"] = ours["peak_mb"]

        # The hand-off: the report, and the evidence package less the copy of the
        # evidence files themselves (bounded by the disk), against status.
        out = tempfile.mkdtemp(prefix="soc2-bench-out-")
        ours = measure([SOC2, "report", "--out", os.path.join(out, "report.html")], store, runs)
        compare(size, "soc2 report", ours, "soc2 status", status, "< 3x")
        export = measure(lambda i: [SOC2, "export", os.path.join(out, f"package-{i}")], store, runs)
        copy = measure(lambda i: ["sh", "-c", f"mkdir {out}/copy-{i} && git archive HEAD evidence | tar -x -C {out}/copy-{i}"],
                       store, runs)
        less_copy = dict(export, median=max(export["median"] - copy["median"], 0.0))
        compare(size, "soc2 export, less the copy", less_copy, "soc2 status", status, "< 3x")
        stores[f"export_{size}"] = (export, copy)
        shutil.rmtree(out, ignore_errors=True)

        control = "CTL-0001"
        ours = measure([SOC2, "log", control, "--format", "json"], store, runs)
        git_log = measure(["git", "log", "--format=%H %an %ad %s", "--", f"controls/{control}.yaml", f"evidence/{control}/"], store, runs)
        compare(size, f"soc2 log {control}", ours, "git log -- paths", git_log, "<= 1.5x")

        def new_file(i, prefix, folder):
            path = os.path.join(folder, f"{prefix}-{i}.csv")
            with open(path, "w") as f:
                f.write(f"item,result\n{prefix}-{i},pass\n")
            return path

        outside = tempfile.mkdtemp(prefix="soc2-bench-files-")
        ours = measure(lambda i: [SOC2, "evidence", "add", "CTL-0002", os.path.join(outside, f"ev-{i}.csv")], store, runs,
                       prepare=lambda i: new_file(i, "ev", outside))
        git_add = measure(lambda i: ["sh", "-c", f"git add extra-{i}.csv && git commit -q -m x"], store, runs,
                          prepare=lambda i: new_file(i, "extra", store))
        compare(size, "soc2 evidence add", ours, "git add FILE && git commit", git_add, "<= 1.5x")
        if size == "large":
            stores["add_10k"] = ours

    if not quick:
        # The same store with a tenth of the history: evidence add must not slow down as history grows.
        short = generate(base, "large-1k-commits", 1000, 100, 100000, 1000)
        outside = tempfile.mkdtemp(prefix="soc2-bench-files-")
        ours_1k = measure(lambda i: [SOC2, "evidence", "add", "CTL-0002", os.path.join(outside, f"ev-{i}.csv")], short, 5,
                          prepare=lambda i: open(os.path.join(outside, f"ev-{i}.csv"), "w").write(f"x{i}\n"))
        compare("large", "evidence add, 10k commits", stores["add_10k"], "the same with 1k commits", ours_1k, "< 1.2x")

    busy_rows(base, stores, compare, quick)

    write_results(rows, stores, quick)
    print(f"\nstores in {base}; results in bench/RESULTS.md")


# The paths `soc2 log ID` follows for a control's ID (trail::paths_of).
def log_paths(control):
    paths = []
    for folder in ["controls", "policies", "risks", "findings", "vendors", "requests"]:
        paths += [f"{folder}/{control}.yaml", f"{folder}/{control}.yml"]
    return paths + [f"policies/{control}.md", f"evidence/{control}", f"tests/{control}", f"populations/{control}"]


def generate_shape(base, name, args):
    """A store from the generator with extra arguments, repacked as `generate` does."""
    path = os.path.join(base, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    print(f"generating {name}: {' '.join(args)}", flush=True)
    subprocess.run([GEN, *args, path], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["git", "repack", "-a", "-d", "-q"], cwd=path, check=True, env=ENV)
    subprocess.run(["git", "prune"], cwd=path, check=True, env=ENV)
    return path


def fresh_store(base, name):
    """A new store from `soc2 init` (which commits it)."""
    path = os.path.join(base, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    for cmd in (["git", "init", "-q"], [SOC2, "init"]):
        subprocess.run(cmd, cwd=path, check=True, env=ENV, stdout=subprocess.DEVNULL)
    return path


def busy_rows(base, stores, compare, quick):
    """Busy controls and large files: `soc2 log` against `git log --format=%H` over the
    same paths (the large store; one control with 50,000 records; 30,000 commits
    touching one control), `evidence add` and `verify` of a 1 GiB file against git and
    sha256sum (peak memory shown), and `evidence add` at 300,000 tracked files."""
    control = "CTL-0001"
    small = ["--controls", "100", "--policies", "10", "--evidence", "5000", "--commits", "1000"]
    shapes = [(size, stores[size]) for size in ("large",) if size in stores]
    if not quick:
        shapes.append(("50k records", generate_shape(base, "busy-records", small + ["--busy-records", "50000"])))
        shapes.append(("30k commits", generate_shape(base, "busy-commits", small + ["--busy-commits", "30000"])))
    for name, store in shapes:
        ours = measure([SOC2, "log", control, "--format", "json"], store, 5)
        git_log = measure(["git", "log", "--format=%H", "--", *log_paths(control)], store, 5)
        compare(name, f"soc2 log {control}", ours, "git log --format=%H -- paths", git_log, "<= 1.5x")
    if quick:
        return

    # A 1 GiB file of random bytes, added to a new store and taken out again between runs.
    store = fresh_store(base, "big-file")
    big = os.path.join(base, "big-1g.bin")
    with open(big, "wb") as f:
        for _ in range(16):
            f.write(os.urandom(64 << 20))
    start = subprocess.run(["git", "rev-parse", "HEAD"], cwd=store, check=True, env=ENV,
                           capture_output=True, text=True).stdout.strip()

    def reset(_i):
        for cmd in (["git", "reset", "-q", "--hard", start], ["git", "reflog", "expire", "--expire=now", "--all"],
                    ["git", "prune", "--expire=now"]):
            subprocess.run(cmd, cwd=store, check=True, env=ENV)

    ours = measure([SOC2, "evidence", "add", "AC-01", big, "-m", "big"], store, 3, prepare=reset)
    git_add = measure(lambda i: ["sh", "-c", f"cp {big} big-{i}.bin && git add big-{i}.bin && git commit -q -m x"],
                      store, 3, prepare=reset)
    compare("1 GiB file", f"soc2 evidence add (peak {ours['peak_mb']:.0f} MB)", ours,
            f"cp && git add && git commit (peak {git_add['peak_mb']:.0f} MB)", git_add, "<= 50 MB")
    reset(0)
    subprocess.run([SOC2, "evidence", "add", "AC-01", big, "-m", "big"], cwd=store, check=True, env=ENV,
                   stdout=subprocess.DEVNULL)
    copy = [os.path.join(root, name) for root, _, names in os.walk(os.path.join(store, "evidence"))
            for name in names if name.endswith(".bin")][0]
    ours = measure([SOC2, "verify"], store, 3)
    sums = measure(["sha256sum", copy], store, 3)
    compare("1 GiB file", f"soc2 verify (peak {ours['peak_mb']:.0f} MB)", ours,
            f"sha256sum of it (peak {sums['peak_mb']:.0f} MB)", sums, "<= 1.1x, <= 50 MB")
    os.remove(big)
    shutil.rmtree(store, ignore_errors=True)

    # evidence add where git's index holds 300,000 files.
    store = generate_shape(base, "300k-files", ["--controls", "1000", "--policies", "100",
                                                "--evidence", "150000", "--commits", "1000"])
    outside = tempfile.mkdtemp(prefix="soc2-bench-files-")

    def new_file(i, folder, name):
        path = os.path.join(folder, f"{name}-{i}.csv")
        with open(path, "w") as f:
            f.write(f"item,result\n{name}-{i},pass\n")

    ours = measure(lambda i: [SOC2, "evidence", "add", "CTL-0002", os.path.join(outside, f"ev-{i}.csv")], store, 5,
                   prepare=lambda i: new_file(i, outside, "ev"))
    git_add = measure(lambda i: ["sh", "-c", f"git add extra-{i}.csv && git commit -q -m x"], store, 5,
                      prepare=lambda i: new_file(i, store, "extra"))
    compare("300k files", "soc2 evidence add", ours, "git add FILE && git commit", git_add, "<= 0.6x")


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(open("/proc/meminfo").readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError):
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    py = platform.python_version()
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}; {git}; Python {py}"


def write_results(rows, stores, quick):
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `bench/run{' --quick' if quick else ''}` on {datetime.date.today()}: {machine()}.",
        "",
        "Each figure is the median of 5 runs after a warm-up run (the PyYAML script: 3 runs on the small",
        "store, 1 on the large), so every command reads from the page cache. A ratio is soc2's time",
        "divided by the other command's, measured in the same run.",
        "",
        "Stores (from `examples/gen-store.rs`, seed 1, repacked with `git repack -a -d`):",
        "small: 100 controls, 10 policies, 5,000 evidence records (10,000 files), 1,000 commits;",
        "large: 1,000 controls, 100 policies, 100,000 evidence records (200,000 files), 10,000 commits.",
        "",
        "| store | soc2 | time | against | time | ratio | target |",
        "|---|---|--:|---|--:|--:|---|",
    ]
    for size, what, ours, name, theirs, ratio, target in rows:
        lines.append(f"| {size} | {what} | {fmt(ours)} | {name} | {fmt(theirs)} | {ratio:.2f}x | {target} |")
    for size in ("small", "large"):
        if f"export_{size}" in stores:
            export, copy = stores[f"export_{size}"]
            lines += ["", f"`soc2 export` on the {size} store: {fmt(export)} in all, of which copying the evidence files "
                      f"(as `git archive HEAD evidence | tar -x` does) takes {fmt(copy)}; the row above is the difference."]
    if "status_peak_mb" in stores:
        lines += ["", f"Peak resident memory of `soc2 status` on the large store: {stores['status_peak_mb']:.0f} MB (target: under 300 MB)."]
    lines.append("")
    with open(os.path.join(ROOT, "bench/RESULTS.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
