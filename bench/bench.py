"""The benchmark driver behind bench/run: generates the stores, times each command
over repeated runs (after a warm-up run, so every side reads from the page cache),
and writes bench/RESULTS.md with the ratios."""
import datetime
import os
import platform
import random
import resource
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


def run(cmd, cwd, ok=(0, 1)):
    """Runs a command; returns (wall seconds, CPU seconds, peak resident memory in MB).
    CPU time is user + system of the command and every process it waited for; the peak
    is that of its largest single process (at least this harness's own size when it
    forked, about 16 MB: a command smaller than that shows the harness's figure)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    # check exits 1 when the gate fails, which these synthetic stores do by design.
    if proc.returncode not in ok:
        raise SystemExit(f"{cmd} failed ({proc.returncode}):\n{stderr}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def summary(times, cpus, peak):
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": len(times),
            "cpu": statistics.median(cpus), "peak_mb": peak}


class Cmd:
    """One command of a series: `cmd` is the command, or a function of the run's number
    giving it; `runs` overrides the series' count (a slow command runs fewer times);
    `prepare(i)` runs untimed before run `i`; `cwd` overrides the series' folder."""

    def __init__(self, cmd, runs=None, prepare=None, cwd=None):
        self.cmd, self.runs, self.prepare, self.cwd = cmd, runs, prepare, cwd


def measure_together(commands, cwd, runs):
    """Times several commands taking turns, each once a round, after one warm-up round, so
    that a machine whose speed drifts during the run moves every figure alike: every
    comparison of the bench is measured this way. Each timed round takes the commands
    in its own order (shuffled, seeded by the round's number, so a run is repeatable):
    a command that always followed the same one would carry what that one leaves
    behind (on a virtual machine that hands freed memory back, a command after a large
    process faults its memory in anew: `status` took 0.70 s after the PyYAML run and
    0.55 s after itself). `commands` maps a name to a command, or to a `Cmd`. Returns
    each name's median and spread of its timed runs."""
    plan = {name: (c if isinstance(c, Cmd) else Cmd(c)) for name, c in commands.items()}
    figures = {name: ([], [], 0.0) for name in plan}
    for round_ in range(max(c.runs or runs for c in plan.values()) + 1):
        order = list(plan.items())
        if round_ > 0:
            random.Random(round_).shuffle(order)
        for name, c in order:
            if round_ > (c.runs or runs):
                continue
            if c.prepare:
                c.prepare(round_)
            seconds, cpu, rss = run(c.cmd(round_) if callable(c.cmd) else c.cmd, c.cwd or cwd)
            if round_ > 0:
                times, cpus, peak = figures[name]
                times.append(seconds)
                cpus.append(cpu)
                figures[name] = (times, cpus, max(peak, rss))
    return {name: summary(*f) for name, f in figures.items()}


READ_FLOOR = os.path.join(ROOT, "target/release/examples/read-files")
SHA256SUM = "find evidence -type f ! -name '*.yaml' ! -name '*.yml' -print0 | xargs -0 -n 500 -P {n} sha256sum"


def baselines(size, store, runs, compare, stores):
    """soc2 status and check against honest floors, every command taking turns in one
    series: reading every file without parsing (in Rust, one reused buffer, 1 and 2
    threads), reading and parsing every YAML file (1 thread), libyaml through PyYAML
    (1 and 2 processes), and sha256sum over the evidence files (1 and 2 processes)."""
    probe = subprocess.run([sys.executable, "-c", "import yaml; yaml.CSafeLoader"], capture_output=True)
    py_runs = 3 if size == "large" else runs
    commands = {
        "soc2 status": [SOC2, "status", "--format", "json"],
        "soc2 status --no-cache": [SOC2, "status", "--no-cache", "--format", "json"],
        "soc2 check": [SOC2, "check", "--format", "json"],
        "soc2 check --no-cache": [SOC2, "check", "--no-cache", "--format", "json"],
        "read floor (1 thread)": [READ_FLOOR, "--threads", "1", "."],
        "read floor (2 threads)": [READ_FLOOR, "--threads", "2", "."],
        "read+parse floor (1 thread)": [FLOOR, "."],
        "sha256sum evidence (1 process)": ["sh", "-c", SHA256SUM.format(n=1) + " >/dev/null"],
        "sha256sum evidence (2 processes)": ["sh", "-c", SHA256SUM.format(n=2) + " >/dev/null"],
    }
    if probe.returncode == 0:
        commands["PyYAML CSafeLoader (1 process)"] = Cmd([sys.executable, PYLOAD, "."], runs=py_runs)
        commands["PyYAML CSafeLoader (2 processes)"] = Cmd([sys.executable, PYLOAD, "--workers", "2", "."], runs=py_runs)
    else:
        print("  PyYAML here has no CSafeLoader (built without libyaml): its rows are left out", flush=True)
        stores.setdefault("notes", []).append(
            f"{size}: PyYAML had no CSafeLoader (built without libyaml), so the PyYAML rows are missing.")
    m = measure_together(commands, store, runs)
    stores.setdefault("baselines", []).append((size, m))
    for name, figures in m.items():
        print(f"  {size:<6} {name:<34} {fmt(figures):>9} wall {fmt_cpu(figures):>9} CPU {figures['peak_mb']:>6.0f} MB", flush=True)
    # `soc2 status` and `check` as a user runs them: the cache in .git/soc2/ filled by
    # the warm-up run. With --no-cache: every file read and parsed, every time.
    targets = {
        "status": {"read floor (2 threads)": "<= 1.3x; warm cache <= 0.3x",
                   "PyYAML CSafeLoader (2 processes)": "<= 0.125x (8x faster)"},
        "status --no-cache": {"read floor (2 threads)": "<= 1.3x", "read floor (1 thread)": "",
                              "read+parse floor (1 thread)": "<= 1.0x",
                              "PyYAML CSafeLoader (2 processes)": "<= 0.125x (8x faster)",
                              "PyYAML CSafeLoader (1 process)": ""},
        "check": {"read floor (2 threads)": "<= 1.6x", "PyYAML CSafeLoader (2 processes)": "<= 0.125x (8x faster)"},
        "check --no-cache": {"read floor (2 threads)": "<= 1.6x", "read floor (1 thread)": "",
                             "read+parse floor (1 thread)": "<= 1.0x",
                             "PyYAML CSafeLoader (2 processes)": "<= 0.125x (8x faster)",
                             "PyYAML CSafeLoader (1 process)": ""},
    }
    for command, against in targets.items():
        for name, target in against.items():
            if name in m:
                compare(size, f"soc2 {command}", m[f"soc2 {command}"], name, m[name], target or "-")
    # The first run after the cache is gone (a new clone, a new soc2): it reads every
    # file and writes the cache.
    cache = os.path.join(store, ".git", "soc2")
    first = measure_together({
        "first": Cmd([SOC2, "status", "--format", "json"], prepare=lambda _i: shutil.rmtree(cache, ignore_errors=True)),
        "no cache": [SOC2, "status", "--no-cache", "--format", "json"],
    }, store, runs)
    compare(size, "soc2 status, first run (fills the cache)", first["first"], "soc2 status --no-cache",
            first["no cache"], "-")
    first = first["first"]
    run([SOC2, "status", "--format", "json"], store)
    if size == "large":
        stores["status_peak_mb"] = m["soc2 status"]["peak_mb"]
        stores["status_cold_peak_mb"] = m["soc2 status --no-cache"]["peak_mb"]
        stores["status_first_peak_mb"] = first["peak_mb"]


def revision_scaling(base, stores, quick, compare):
    """status, status --rev HEAD~1 and diff HEAD~50 on stores of growing size, taking
    turns on each: reading a revision must grow with the store as reading the working
    tree does."""
    sizes = [("1k", 1000)] if quick else [("1k", 1000), ("10k", 10000), ("30k", 30000)]
    paths = []
    for name, records in sizes:
        paths.append((records, generate(base, f"scale-{name}", max(records // 100, 1), max(records // 1000, 1),
                                        records, max(records // 10, 100))))
    paths.append((5000 if quick else 100000, stores["small" if quick else "large"]))
    table = []
    for records, path in paths:
        m = measure_together({
            "status": [SOC2, "status", "--format", "json"],
            "status --rev HEAD~1": [SOC2, "status", "--rev", "HEAD~1", "--format", "json"],
            "diff HEAD~50": [SOC2, "diff", "HEAD~50", "--format", "json"],
        }, path, 3)
        table.append((records, m))
        print(f"  {records:>7} records: " + ", ".join(
            f"{k} {fmt(v)} ({fmt_cpu(v)} CPU, {v['peak_mb']:.0f} MB)" for k, v in m.items()), flush=True)
    size = "small" if quick else "large"
    records, m = table[-1]
    compare(size, "soc2 status --rev HEAD~1", m["status --rev HEAD~1"], "soc2 status", m["status"], "<= 1.5x")
    compare(size, "soc2 diff HEAD~50", m["diff HEAD~50"], "soc2 status", m["status"], "<= 2.5x")
    stores["scaling"] = table


HISTORY_FROM, HISTORY_TO = "2025-07-01", "2026-06-30"


def one_commit_copy(store):
    """The store's files as a repository with a single commit (of the same date as the
    store's last one): the same status without a history to judge."""
    copy = store + "-one-commit"
    if os.path.exists(copy):
        shutil.rmtree(copy)
    os.makedirs(copy)
    subprocess.run(["sh", "-c", f"git -C {store} archive HEAD | tar -x -C {copy}"], check=True, env=ENV)
    date = subprocess.run(["git", "log", "-1", "--format=%cI"], cwd=store, env=ENV, check=True,
                          capture_output=True, text=True).stdout.strip()
    env = dict(ENV, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "The store, in one commit"]):
        subprocess.run(cmd, cwd=copy, env=env, check=True)
    return copy


def history_cost(size, store, compare, stores):
    """What judging the store as it stood costs: status against status on the same files
    with one commit of history, and a weekly timeline over twelve months against one
    status."""
    copy = one_commit_copy(store)
    m = measure_together({
        "status": [SOC2, "status", "--format", "json"],
        "status, one commit": [SOC2, "--repo", copy, "status", "--format", "json"],
        "timeline": Cmd([SOC2, "timeline", "--every", "week", "--from", HISTORY_FROM, "--to", HISTORY_TO,
                         "--format", "json"], runs=3),
    }, store, 5)
    compare(size, "soc2 status", m["status"], "status, one-commit repository", m["status, one commit"], "<= 1.5x")
    compare(size, "soc2 timeline, 12 months weekly", m["timeline"], "soc2 status", m["status"], "<= 5x")
    stores.setdefault("history", []).append((size, m))
    shutil.rmtree(copy, ignore_errors=True)


def generate(base, name, controls, policies, evidence, commits):
    print(f"generating {name}: {controls} controls, {evidence} evidence records, {commits} commits", flush=True)
    return generated(base, name, ["--controls", str(controls), "--policies", str(policies),
                                  "--evidence", str(evidence), "--commits", str(commits)])


def generated(base, name, args):
    """A new store from the generator, packed: a repository in use is (git gc runs on
    its own)."""
    path = os.path.join(base, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    subprocess.run([GEN, *args, path], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["git", "repack", "-a", "-d", "-q"], cwd=path, check=True, env=ENV)
    subprocess.run(["git", "prune"], cwd=path, check=True, env=ENV)
    return path


def fmt(m):
    return f"{m['median'] * 1000:.0f} ms"


def fmt_cpu(m):
    return f"{m['cpu'] * 1000:.0f} ms"


def cpu_ratio(ours, theirs):
    return ours["cpu"] / theirs["cpu"] if theirs.get("cpu") else float("nan")


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
        print(f"  {size:<6} {what:<26} {fmt(ours):>9} vs {name:<30} {fmt(theirs):>9}  = {ratio:.2f}x wall, "
              f"{cpu_ratio(ours, theirs):.2f}x CPU  (target {target})", flush=True)

    stores = {}
    for size, controls, policies, evidence, commits in sizes:
        store = generate(base, size, controls, policies, evidence, commits)
        stores[size] = store
        runs = 5
        baselines(size, store, runs, compare, stores)
        history_cost(size, store, compare, stores)

        # The hand-off: the report, and the evidence package less the copy of the
        # evidence files themselves (bounded by the disk), against status.
        out = tempfile.mkdtemp(prefix="soc2-bench-out-")
        m = measure_together({
            "status": [SOC2, "status", "--format", "json"],
            "report": [SOC2, "report", "--out", os.path.join(out, "report.html")],
            "export": lambda i: [SOC2, "export", os.path.join(out, f"package-{i}")],
            "copy": lambda i: ["sh", "-c", f"mkdir {out}/copy-{i} && git archive HEAD evidence | tar -x -C {out}/copy-{i}"],
        }, store, runs)
        status, export, copy = m["status"], m["export"], m["copy"]
        compare(size, "soc2 report", m["report"], "soc2 status", status, "< 3x")
        less_copy = dict(export, median=max(export["median"] - copy["median"], 0.0),
                         cpu=max(export["cpu"] - copy["cpu"], 0.0))
        compare(size, "soc2 export, less the copy", less_copy, "soc2 status", status, "< 3x")
        stores[f"export_{size}"] = (export, copy)
        shutil.rmtree(out, ignore_errors=True)

        control = "CTL-0001"
        m = measure_together({
            "ours": [SOC2, "log", control, "--format", "json"],
            "git": ["git", "log", "--format=%H %an %ad %s", "--", f"controls/{control}.yaml", f"evidence/{control}/"],
        }, store, runs)
        compare(size, f"soc2 log {control}", m["ours"], "git log -- paths", m["git"], "<= 1.5x")

        def new_file(i, prefix, folder):
            path = os.path.join(folder, f"{prefix}-{i}.csv")
            with open(path, "w") as f:
                f.write(f"item,result\n{prefix}-{i},pass\n")
            return path

        outside = tempfile.mkdtemp(prefix="soc2-bench-files-")
        m = measure_together({
            "ours": Cmd(lambda i: [SOC2, "evidence", "add", "CTL-0002", os.path.join(outside, f"ev-{i}.csv")],
                        prepare=lambda i: new_file(i, "ev", outside)),
            "git": Cmd(lambda i: ["sh", "-c", f"git add extra-{i}.csv && git commit -q -m x"],
                       prepare=lambda i: new_file(i, "extra", store)),
        }, store, runs)
        compare(size, "soc2 evidence add", m["ours"], "git add FILE && git commit", m["git"], "<= 1.5x")

    revision_scaling(base, stores, quick, compare)

    if not quick:
        # The same store with a tenth of the history: evidence add must not slow down as history grows.
        short = generate(base, "large-1k-commits", 1000, 100, 100000, 1000)
        outside = tempfile.mkdtemp(prefix="soc2-bench-files-")

        def add_in(store, name):
            def new_file(i):
                with open(os.path.join(outside, f"{name}-{i}.csv"), "w") as f:
                    f.write(f"{name} {i}\n")
            return Cmd(lambda i: [SOC2, "evidence", "add", "CTL-0002", os.path.join(outside, f"{name}-{i}.csv")],
                       prepare=new_file, cwd=store)

        m = measure_together({"10k": add_in(stores["large"], "ten"), "1k": add_in(short, "one")}, short, 5)
        compare("large", "evidence add, 10k commits", m["10k"], "the same with 1k commits", m["1k"], "< 1.2x")

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
    print(f"generating {name}: {' '.join(args)}", flush=True)
    return generated(base, name, args)


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
        m = measure_together({
            "ours": [SOC2, "log", control, "--format", "json"],
            "git": ["git", "log", "--format=%H", "--", *log_paths(control)],
        }, store, 5)
        compare(name, f"soc2 log {control}", m["ours"], "git log --format=%H -- paths", m["git"], "<= 1.5x")
    if quick:
        return

    # A 1 GiB file of random bytes, added to a new store and taken out again between runs.
    store = fresh_store(base, "big-file")
    big = os.path.join(base, "big-1g.bin")
    # Written by another process: a child forked from a harness holding the bytes would
    # start with that memory, and the peak figures would carry it.
    subprocess.run(["sh", "-c", f"head -c {1 << 30} /dev/urandom > {big}"], check=True)
    start = subprocess.run(["git", "rev-parse", "HEAD"], cwd=store, check=True, env=ENV,
                           capture_output=True, text=True).stdout.strip()

    def reset(_i):
        for cmd in (["git", "reset", "-q", "--hard", start], ["git", "reflog", "expire", "--expire=now", "--all"],
                    ["git", "prune", "--expire=now"]):
            subprocess.run(cmd, cwd=store, check=True, env=ENV)

    m = measure_together({
        "ours": Cmd([SOC2, "evidence", "add", "AC-01", big, "-m", "big"], prepare=reset),
        "git": Cmd(lambda i: ["sh", "-c", f"cp {big} big-{i}.bin && git add big-{i}.bin && git commit -q -m x"],
                   prepare=reset),
    }, store, 3)
    ours, git_add = m["ours"], m["git"]
    compare("1 GiB file", f"soc2 evidence add (peak {ours['peak_mb']:.0f} MB)", ours,
            f"cp && git add && git commit (peak {git_add['peak_mb']:.0f} MB)", git_add, "<= 50 MB")
    reset(0)
    subprocess.run([SOC2, "evidence", "add", "AC-01", big, "-m", "big"], cwd=store, check=True, env=ENV,
                   stdout=subprocess.DEVNULL)
    copy = [os.path.join(root, name) for root, _, names in os.walk(os.path.join(store, "evidence"))
            for name in names if name.endswith(".bin")][0]
    m = measure_together({"ours": [SOC2, "verify"], "sums": ["sha256sum", copy]}, store, 3)
    ours, sums = m["ours"], m["sums"]
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

    m = measure_together({
        "ours": Cmd(lambda i: [SOC2, "evidence", "add", "CTL-0002", os.path.join(outside, f"ev-{i}.csv")],
                    prepare=lambda i: new_file(i, outside, "ev")),
        "git": Cmd(lambda i: ["sh", "-c", f"git add extra-{i}.csv && git commit -q -m x"],
                   prepare=lambda i: new_file(i, store, "extra")),
    }, store, 5)
    compare("300k files", "soc2 evidence add", m["ours"], "git add FILE && git commit", m["git"], "<= 0.6x")


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
        "Each figure is the median of 5 runs after a warm-up run (the PyYAML script and the timeline: 3 runs",
        "on the large store), so every command reads from the page cache. A ratio is soc2's time divided by",
        "the other command's, measured in the same run; the commands of one comparison take turns, each",
        "round in its own order (shuffled, seeded by the round), so no command always follows the same one.",
        "",
        "Stores (from `examples/gen-store.rs`, seed 1, repacked with `git repack -a -d`):",
        "small: 100 controls, 10 policies, 5,000 evidence records (10,000 files), 1,000 commits;",
        "large: 1,000 controls, 100 policies, 100,000 evidence records (200,000 files), 10,000 commits.",
        "",
        "Wall is the elapsed time; CPU is user + system time of the command and every process it",
        "started, so on 2 cores a command using both may take up to twice its wall time in CPU.",
        "",
        "| store | soc2 | wall | CPU | against | wall | CPU | ratio (wall) | ratio (CPU) | target |",
        "|---|---|--:|--:|---|--:|--:|--:|--:|---|",
    ]
    for size, what, ours, name, theirs, ratio, target in rows:
        lines.append(f"| {size} | {what} | {fmt(ours)} | {fmt_cpu(ours)} | {name} | {fmt(theirs)} | {fmt_cpu(theirs)} "
                     f"| {ratio:.2f}x | {cpu_ratio(ours, theirs):.2f}x | {target} |")
    lines += results_tables(stores)
    for size in ("small", "large"):
        if f"export_{size}" in stores:
            export, copy = stores[f"export_{size}"]
            lines += ["", f"`soc2 export` on the {size} store: {fmt(export)} in all, of which copying the evidence files "
                      f"(as `git archive HEAD evidence | tar -x` does) takes {fmt(copy)}; the row above is the difference."]
    if "status_peak_mb" in stores:
        lines += ["", f"Peak resident memory of `soc2 status` on the large store: {stores['status_peak_mb']:.0f} MB with the cache, "
                  f"{stores['status_cold_peak_mb']:.0f} MB with --no-cache, {stores['status_first_peak_mb']:.0f} MB on the run "
                  "that fills the cache (target: under 200 MB)."]
    lines.append("")
    with open(os.path.join(ROOT, "bench/RESULTS.md"), "w") as f:
        f.write("\n".join(lines))


def results_tables(stores):
    """The tables of the baselines, the revision scaling and the history cost."""
    lines = []
    if stores.get("baselines"):
        lines += ["", "Every command of the comparison above, taking turns in one series (median; peak resident memory of",
                  "its largest process). The floors: `read-files` opens and reads every file of the store and parses",
                  "nothing; `read-parse` also parses every YAML file with serde_yaml; `bench/load_pyyaml.py` loads every",
                  "YAML file with PyYAML's libyaml loader (`yaml.CSafeLoader`); sha256sum hashes the evidence files",
                  f"(`find | xargs -P`). Peak memory reads no lower than the driver's own at the start of a command",
                  f"({resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB here): a smaller process shows that figure.", "",
                  "| store | command | wall | CPU | peak memory |", "|---|---|--:|--:|--:|"]
        for size, m in stores["baselines"]:
            for name, f in m.items():
                lines.append(f"| {size} | {name} | {fmt(f)} | {fmt_cpu(f)} | {f['peak_mb']:.0f} MB |")
    if stores.get("history"):
        lines += ["", f"Judging the store as it stood: `status` against `status` on the same files in a repository with one",
                  f"commit, and `timeline --every week --from {HISTORY_FROM} --to {HISTORY_TO}` (target: peak memory of both under",
                  "400 MB).", "", "| store | command | wall | CPU | peak memory |", "|---|---|--:|--:|--:|"]
        for size, m in stores["history"]:
            for name, f in m.items():
                lines.append(f"| {size} | {name} | {fmt(f)} | {fmt_cpu(f)} | {f['peak_mb']:.0f} MB |")
    if stores.get("scaling"):
        lines += ["", "Reading a revision grows with the store as reading the working tree does (records: evidence records;",
                  "each store has a hundredth as many controls and a tenth as many commits; median of 3 runs taking turns;",
                  "target: peak memory of `diff` under 300 MB on 100,000 records).", "",
                  "| records | status | status --rev HEAD~1 | diff HEAD~50 | diff: peak memory | status: µs per record |",
                  "|--:|--:|--:|--:|--:|--:|"]
        for records, m in stores["scaling"]:
            s, r, d = m["status"], m["status --rev HEAD~1"], m["diff HEAD~50"]
            lines.append(f"| {records:,} | {fmt(s)} ({fmt_cpu(s)} CPU) | {fmt(r)} ({fmt_cpu(r)} CPU) "
                         f"| {fmt(d)} ({fmt_cpu(d)} CPU) | {d['peak_mb']:.0f} MB | {s['median'] * 1e6 / records:.0f} |")
    for note in stores.get("notes", []):
        lines += ["", note]
    return lines


if __name__ == "__main__":
    main()
